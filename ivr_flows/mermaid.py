"""Draw a flow as a Mermaid `stateDiagram-v2`, straight from its state-machine data."""
from __future__ import annotations

from .machine import SELF, Flow, Transition


def _node(flow: Flow, source: str, target: str) -> str:
    if target == SELF:
        return source
    if ":" in target:
        return "to_" + target.replace(":", "__")
    return target


def _label(t: Transition) -> str:
    label = t.event
    if t.guards:
        label += " [" + ", ".join(t.guards) + "]"
    if t.actions:
        label += " / " + ", ".join(t.actions)
    return label


def diagram(flow: Flow) -> str:
    """The Mermaid source for `flow`: every state, every transition, labelled `event [guards] / actions`."""
    lines = ["stateDiagram-v2", f"    %% flow: {flow.name}", f"    [*] --> {flow.initial}"]
    elsewhere: dict[str, str] = {}
    for state in flow.states:
        if state.listen.kind == "choice":
            lines.append(f"    state {state.name} <<choice>>")
        for t in state.transitions:
            if ":" in t.target:
                elsewhere[_node(flow, state.name, t.target)] = t.target.replace(":", " / ")
    for node, text in elsewhere.items():
        lines.append(f'    state "{text}" as {node}')
    for state in flow.states:
        for t in state.transitions:
            lines.append(f"    {state.name} --> {_node(flow, state.name, t.target)} : {_label(t)}")
        if state.final:
            lines.append(f"    {state.name} --> [*]")
    return "\n".join(lines) + "\n"
