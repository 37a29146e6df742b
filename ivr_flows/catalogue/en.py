"""What the caller hears in English (`<Say language="en-US">`). Same keys and placeholders as zh.py."""

PROMPTS: dict[str, str] = {
    # welcome and menu
    "welcome": "Hello, this is the residence declaration line. For English, press 2.",
    "menu": ("To declare a move-in, press 1. To declare a move-out, press 2. "
             "To hear the status of your registration, press 3. If you have no ID document, press 0. "
             "To hear this menu again, press star."),
    "no_input": "We did not receive any input.",
    "invalid_key": "That key is not valid.",
    "goodbye_no_input": "Sorry, we did not receive any input. Please call again later. Goodbye.",
    "goodbye": "Thank you for calling. Goodbye.",
    "call_again": ("We cannot take your call right now, and nothing was recorded. "
                   "Please call again in a few minutes. Goodbye."),
    # ID number
    "id_prompt": "Please enter your 18-character ID number. For the letter X, press star. Press hash when done.",
    "id_length": "That number has the wrong length. An ID number has 18 characters.",
    "id_checksum": "That number does not check out. One key may be wrong.",
    "id_birthdate": "The birth date in that number is not valid.",
    "id_star_misplaced": "The star key stands for the letter X and can only be the last character.",
    "id_readback": "You entered: {id}. If this is correct, press 1. To enter it again, press 2.",
    "id_failed": ("The number was not accepted three times. To declare without an ID document, press 0. "
                  "To end the call, press any other key."),
    "goodbye_id": "The number was not accepted three times. Please check your document and call again. Goodbye.",
    # property and room
    "property_prompt": "Please enter the property code printed on your landlord's registration notice, then press hash.",
    "property_unknown": "We could not find that property code.",
    "property_readback": "The address is: {address}. If this is correct, press 1. To enter the code again, press 2.",
    "goodbye_property": ("We could not find the property code three times. Please check the code on your "
                         "landlord's notice and call again. Goodbye."),
    "room_prompt": ("Please enter your room number. For a dash, press star. Then press hash. "
                    "If the house has no room numbers, just press hash."),
    "room_invalid": "That room number is not valid.",
    "room_required": "This property has several units, so a room number is needed.",
    "room_readback": "Room {room}.",
    "room_none": "No room number.",
    # dates
    "move_in_date": "If you moved in today, press 1. To enter another move-in date, press 2.",
    "move_out_date": "If you moved out today, press 1. To enter another move-out date, press 2.",
    "date_entry": ("Please enter the date as 8 digits: year, month, day. "
                   "For January 8, 2024, enter 2, 0, 2, 4, 0, 1, 0, 8."),
    "date_readback": "Date: {date}.",
    "bad_date": "That is not a valid date.",
    "date_in_future": "The date cannot be later than tomorrow.",
    "date_too_old": "The date cannot be more than a year ago.",
    # name
    "name_prompt": "Please say your full name.",
    "name_readback": "We heard: {name}. If this is correct, press 1. To say it again, press 2.",
    "name_not_heard": "Sorry, we did not catch that.",
    "name_unclear": "We will record your name for an officer to check.",
    "name_record": "After the beep, say your full name, then press hash.",
    "address_record": "After the beep, say your household registration address, then press hash.",
    # summaries
    "move_in_summary": ("Please check: move-in. ID number {id}. Address {address}, {room}. Move-in date {date}. "
                        "Name {name}. To confirm, press 1. To start again, press 2."),
    "move_out_summary": ("Please check: move-out. ID number {id}. Address {address}. Move-out date {date}. "
                         "To confirm, press 1. To start again, press 2."),
    "no_document_summary": ("Please check: move-in without an ID document. Your name and household address "
                            "are recorded. Address {address}, {room}. To confirm, press 1. To start again, press 2."),
    "summary_room": "room {room}",
    "summary_no_room": "no room number",
    "summary_name_recorded": "recorded",
    # receipts
    "move_in_receipt": ("Your declaration has been received. Your receipt number is {receipt}. Again: {receipt}. "
                        "Your landlord will be asked by SMS to confirm it; it takes effect once confirmed. "
                        "Thank you for calling. Goodbye."),
    "move_in_receipt_review": ("Your declaration has been received. An officer will check the recording of your "
                               "name. Your receipt number is {receipt}. Again: {receipt}. Your landlord will be "
                               "asked by SMS to confirm it; it takes effect once confirmed. "
                               "Thank you for calling. Goodbye."),
    "move_out_requested": ("Your move-out request has been received. If it matches a registration, the "
                           "landlord will be asked by SMS to confirm it. Thank you for calling. Goodbye."),
    "no_document_receipt": ("Your declaration has been received. An officer will check your recordings. "
                            "Your receipt number is {receipt}. Again: {receipt}. Thank you for calling. Goodbye."),
    # status
    "status_active": ("There is an active registration for this ID. It was declared on {declared_on}. "
                      "The receipt number is {receipt}. Again: {receipt}. Goodbye."),
    "status_inactive": "There is no active registration for this ID. Goodbye.",
    "status_sent_if_on_record": ("If this ID has a registration with a phone number on record, the details are "
                                 "sent to that phone by SMS, a few times a day at most. Otherwise, please ask at "
                                 "your police station. Goodbye."),
}
