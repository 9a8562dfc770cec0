"""DirectGUI panels of the client (login, chat, booths, staff desk) and the keyboard focus they share."""
