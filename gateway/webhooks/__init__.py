"""What Twilio calls: the SMS and voice webhooks, their signature check and the voice line's port."""
