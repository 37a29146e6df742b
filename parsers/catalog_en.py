"""English reply texts. GSM-7 allows 160 chars a segment; still keep lines short."""

STATUS = {
    "registered": "Registered",
    "already_registered": "Already registered",
    "superseded": "Registered (old address ended)",
    "pending_review": "Pending officer review",
    "moved_out": "Moved out",
    "cancelled": "Cancelled",
    "confirmed": "Confirmed",
    "disputed": "Disputed",
    "rejected": "Rejected",
    "listed": "Active",
}

CODES = {
    "empty_message": "The message is empty.",
    "unknown_keyword": "Unknown command.",
    "missing_name": "Name missing.",
    "missing_id": "ID missing (write NOID if none).",
    "id_length": "ID must have 18 characters; count them.",
    "id_checksum": "ID has a mistyped digit; check each one.",
    "id_birthdate": "Birth date inside the ID is impossible; check it.",
    "multiple_ids": "Two IDs in one record; separate people with ;",
    "multiple_names": "Two names in one record; separate people with ;",
    "bad_date": "No such date (e.g. 2014-01-05).",
    "date_in_future": "Date is after tomorrow.",
    "date_too_old": "Date is over a year ago; check it.",
    "unrecognized_token": "Not understood: {token}",
    "too_many_records": "At most 10 people per SMS; send several.",
    "message_too_long": "Message too long; send several.",
    "missing_receipt": "Add the 8-digit receipt.",
    "bad_receipt": "Receipt is wrong (8 digits); check it.",
    "legacy_id": "15-digit ID converted to 18 digits.",
    "region_unknown": "ID region code to be checked by an officer.",
    "late": "Declared after the deadline; please declare on time.",
    "missing_room": "Room missing.",
    "unknown_sender": "This number is not enrolled as a landlord; contact the police station.",
    "unknown_property": "No property matches the @ part; check it.",
    "ambiguous_property": "You have several properties: add @CODE.",
    "unknown_receipt": "No declaration has this receipt.",
    "no_matching_tenant": "No active tenant matches.",
    "ambiguous_tenant": "Several tenants match; send the full ID.",
    "opted_out": "You opted out; send START to resume.",
}

TEMPLATES = {
    "receipt": "receipt {receipt}",
    "room": "rm {room}",
    "list_header": "Active tenants:",
    "list_empty": "No active tenants.",
    "help": "Format: REG NAME ID ROOM [DATE]; several people: separate with ; . OUT ID. DEL RECEIPT.",
    "joiner": " ",
}
