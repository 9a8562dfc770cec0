"""DirectGUI panels of the client (login, chat, booths, staff desk), the HUD, and the keyboard focus they share."""
