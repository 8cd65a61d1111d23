"""Disclosure control: court holds, the recipient safeguards gate, recalls and incidents."""
