"""From a stored message to a stored declaration and a reply: intake, jobs, commands, delivery."""
