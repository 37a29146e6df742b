"""The package's command line and its promise to stay pure."""
from __future__ import annotations

import subprocess
import sys

import pytest

from ivr_flows.flows import FLOWS
from ivr_flows.mermaid import diagram
from tests.constants import REPO



def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, check=False)


class TestMermaidCommand:
    @pytest.mark.parametrize("name", sorted(FLOWS))
    def test_it_prints_a_diagram_of_one_flow(self, name):
        """`python -m ivr_flows mermaid FLOW` prints that flow's states and transitions."""
        out = run("-m", "ivr_flows", "mermaid", name)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0] == "stateDiagram-v2" and lines[1] == f"    %% flow: {name}"
        assert f"    [*] --> {FLOWS[name].initial}" in lines
        for state in FLOWS[name].states:
            assert any(line.startswith(f"    {state.name} --> ") for line in lines), state.name
        transitions = sum(len(s.transitions) for s in FLOWS[name].states)
        assert sum(" : " in line for line in lines) == transitions

    def test_it_prints_every_flow_by_default(self):
        """Without a flow name, one diagram per flow is printed."""
        out = run("-m", "ivr_flows", "mermaid")
        assert out.returncode == 0, out.stderr
        assert out.stdout.count("stateDiagram-v2") == len(FLOWS)
        for name in FLOWS:
            assert f"%% flow: {name}" in out.stdout

    def test_markdown_wraps_each_diagram_in_a_fence(self):
        """`--markdown` wraps each diagram in a mermaid code fence for the docs."""
        out = run("-m", "ivr_flows", "mermaid", "status", "--markdown")
        assert out.stdout.startswith("```mermaid\nstateDiagram-v2\n") and out.stdout.rstrip().endswith("```")

    def test_an_unknown_flow_is_refused(self):
        """A flow name that does not exist is a usage error."""
        assert run("-m", "ivr_flows", "mermaid", "karaoke").returncode == 2


class TestPurity:
    def test_importing_ivr_flows_loads_no_web_db_or_rest_code(self):
        """ivr_flows and everything it imports pull in no flask, sqlalchemy, redis or twilio.rest."""
        code = ("import sys, ivr_flows, ivr_flows.__main__; "
                "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'redis', "
                "'fakeredis', 'rq') or m.startswith('twilio.rest') or m.startswith('twilio.http')); "
                "print(','.join(bad))")
        out = run("-c", code)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == ""


class TestDocs:
    @pytest.mark.parametrize("name", sorted(FLOWS))
    def test_the_voice_line_page_shows_the_current_diagram(self, name):
        """docs/voice-line.md holds each flow's generated diagram, unchanged."""
        page = (REPO / "docs" / "voice-line.md").read_text(encoding="utf-8")
        assert f"```mermaid\n{diagram(FLOWS[name])}```" in page
