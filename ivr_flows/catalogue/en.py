"""What the caller hears in English (`<Say language="en-US">`). Same keys and placeholders as zh.py."""

PROMPTS: dict[str, str] = {
    # welcome and menu
    "welcome": "Hello, this is the residence declaration line. For English, press 2.",
    "menu": ("To declare a move-in, press 1. To declare a move-out, press 2. "
             "To hear the status of your registration, press 3. If you have no ID document, press 0. "
             "To hear this menu again, press star."),
    "menu_declarant": ("To declare a move-in, press 1. To declare a move-out, press 2. "
                       "To hear the status of your registration, press 3. If you have no ID document, press 0. "
                       "Landlords: to declare a tenant, press 4. If a tenant moved out, press 5. "
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
    "date_before_birth": "The date cannot be before your birth date.",
    # name
    "name_prompt": "Please say your full name.",
    "name_readback": "We heard: {name}. If this is correct, press 1. To say it again, press 2.",
    "name_not_heard": "Sorry, we did not catch that.",
    "name_unclear": "We will record your name for an officer to check.",
    "name_record": "After the beep, say your full name, then press hash.",
    "address_record": "After the beep, say your household registration address, then press hash.",
    "name_speech": "Please say your name.",
    "address_speech": "Please say your household registration address, starting with the province.",
    # a landlord declaring a tenant (menu 4 and 5)
    "declare_id_prompt": ("Please enter the tenant's 18-character ID number. For the letter X, press star. "
                          "Press hash when done. If the tenant has no ID document, press 0 and then hash."),
    "declare_out_id_prompt": ("Please enter the ID number of the tenant who moved out, or its last 4 characters. "
                              "For the letter X, press star. Press hash when done."),
    "id_suffix": "ending in {digits}",
    "tenant_name_prompt": "Please say the tenant's name.",
    "tenant_name_readback": "The tenant's name is: {name}. If this is correct, press 1. To say it again, press 2.",
    "tenant_name_record": "After the beep, say the tenant's name, then press hash.",
    "tenant_name_speech": "Please say the tenant's name.",
    "tenant_address_speech": "Please say the tenant's household registration address, starting with the province.",
    "tenant_address_record": "After the beep, say the tenant's household registration address again, then press hash.",
    # an employer contact declaring staff (menu 4 and 5)
    "menu_employer": ("To declare a move-in, press 1. To declare a move-out, press 2. "
                      "To hear the status of your registration, press 3. If you have no ID document, press 0. "
                      "Employers: to declare a member of staff, press 4. If a member of staff left, press 5. "
                      "To hear this menu again, press star."),
    "menu_both": ("To declare a move-in, press 1. To declare a move-out, press 2. "
                  "To hear the status of your registration, press 3. If you have no ID document, press 0. "
                  "Landlords and employers: to declare a tenant or a member of staff, press 4. "
                  "If a tenant or a member of staff left, press 5. To hear this menu again, press star."),
    "declare_which": "For a tenant, press 1. For a member of staff, press 2.",
    "leave_which": "If a tenant moved out, press 1. If a member of staff left, press 2.",
    "staff_id_prompt": ("Please enter the 18-character ID number of the member of staff. For the letter X, press "
                        "star. Press hash when done. If they have no ID document, press 0 and then hash."),
    "staff_out_id_prompt": ("Please enter the ID number of the member of staff who left, or its last 4 characters. "
                            "For the letter X, press star. Press hash when done."),
    "site_prompt": "Please enter the site code, then press hash.",
    "site_readback": "The site's address is: {address}. If this is correct, press 1. To enter the code again, press 2.",
    "site_unknown": "We could not find that site code.",
    "goodbye_site": ("We could not find the site code three times. Please check your site codes and call again. "
                     "Goodbye."),
    "staff_room_prompt": ("Please enter their room number. For a dash, press star. Then press hash. "
                          "If there is no room number, just press hash."),
    "staff_lodger_prompt": "If they sleep at the site, press 1. If not, press 2.",
    "staff_start_date": "If they started today, press 1. To enter another start date, press 2.",
    "staff_end_date": "If they left today, press 1. To enter another date, press 2.",
    "staff_name_prompt": "Please say the name of the member of staff.",
    "staff_name_readback": "Their name is: {name}. If this is correct, press 1. To say it again, press 2.",
    "staff_name_record": "After the beep, say the name of the member of staff, then press hash.",
    "staff_name_speech": "Please say the name of the member of staff.",
    "staff_address_speech": "Please say their household registration address, starting with the province.",
    "staff_address_record": "After the beep, say their household registration address again, then press hash.",
    "staff_summary": ("Please check: a member of staff. ID number {id}. Site {address}, {room}. {lodger}. "
                      "Start date {date}. Name {name}. To confirm, press 1. To start again, press 2."),
    "staff_no_document_summary": ("Please check: a member of staff without an ID document. Their name and "
                                  "household address are recorded. Site {address}, {room}. {lodger}. Start date "
                                  "{date}. To confirm, press 1. To start again, press 2."),
    "staff_out_summary": ("Please check: a member of staff left. ID {id}. Site {address}. Date {date}. "
                          "To confirm, press 1. To start again, press 2."),
    "summary_lodger": "Sleeps at the site",
    "summary_not_lodger": "Does not sleep at the site",
    "staff_out_done": "The leaving is received; the result is sent to you by SMS. Thank you for calling. Goodbye.",
    # summaries
    "move_in_summary": ("Please check: move-in. ID number {id}. Address {address}, {room}. Move-in date {date}. "
                        "Name {name}. To confirm, press 1. To start again, press 2."),
    "move_out_summary": ("Please check: move-out. ID number {id}. Address {address}. Move-out date {date}. "
                         "To confirm, press 1. To start again, press 2."),
    "no_document_summary": ("Please check: move-in without an ID document. Your name and household address "
                            "are recorded. Address {address}, {room}. To confirm, press 1. To start again, press 2."),
    "declare_summary": ("Please check: a tenant moving in. ID number {id}. Address {address}, {room}. "
                        "Move-in date {date}. Name {name}. To confirm, press 1. To start again, press 2."),
    "declare_no_document_summary": ("Please check: a tenant without an ID document moving in. The tenant's name "
                                    "and household address are recorded. Address {address}, {room}. Move-in date "
                                    "{date}. To confirm, press 1. To start again, press 2."),
    "declare_out_summary": ("Please check: a tenant moved out. ID {id}. Address {address}. Move-out date {date}. "
                            "To confirm, press 1. To start again, press 2."),
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
    "declare_receipt": ("The registration is accepted. The receipt number is {receipt}. Again: {receipt}. "
                        "It is also sent to you by SMS. Thank you for calling. Goodbye."),
    "declare_receipt_review": ("The declaration is received; an officer will check the recordings before it is "
                               "registered. The receipt number is {receipt}. Again: {receipt}. It is also sent to "
                               "you by SMS. Thank you for calling. Goodbye."),
    "declare_out_done": ("The move-out is received; the result is sent to you by SMS. Thank you for calling. "
                         "Goodbye."),
    # status
    "status_active": ("There is an active registration for this ID. It was declared on {declared_on}. "
                      "The receipt number is {receipt}. Again: {receipt}. Goodbye."),
    "status_inactive": "There is no active registration for this ID. Goodbye.",
    "status_sent_if_on_record": ("If this ID has a registration with a phone number on record, the details are "
                                 "sent to that phone by SMS, a few times a day at most. Otherwise, please ask at "
                                 "your police station. Goodbye."),
}
