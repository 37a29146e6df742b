"""Officer UI strings, English: Art. 57 actions on the follow-up list (Public Security Administration
Punishment Law, Art. 57)."""

STRINGS: dict[str, str] = {
    "art57_title": "Art. 57 actions",
    "art57_record": "Record an action",
    "art57_history": "Actions taken",
    "art57_none": "No action recorded yet.",
    "art57_kind": "Action",
    "art57_date": "Date",
    "art57_amount": "Fine (yuan)",
    "art57_decision_no": "Decision number",
    "art57_fine_help": "A fine needs its amount and the decision's number.",
    "art57_note": "Note",
    "art57_officer": "Officer",
    "art57_saved": "Action recorded.",
    "art57_assistant_view_only": "Assistants see the actions but cannot record one.",
    "art57_status": "Status",
    "art57_open": "Open",
    "art57_actioned": "Actioned",
    "art57_all": "All",
    "art57_last": "Last action: {kind}, {date}",
    "art57_employer_badge": "Employer",
    "art57_employers": "Employers (staff declared late)",
    "art57_late_staff": "Staff declared late",
    "art57_site": "Site",
    "art57_start": "Started",
}
