"""Union members: the register, their events and membership periods."""
