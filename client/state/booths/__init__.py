"""The booths as this client knows them, one model per job (see `model.py`)."""

from __future__ import annotations

from makaverse.protocol.request_fields import MAX_NOTE, NOTE_KEY, normalise_phone

from .link import Link, Toast
from .model import BoothModel
from .my_requests import MyRequestsModel
from .panel import BoothPanelModel
from .request_form import RequestForm, RequestFormModel
from .rules import REQUEST_STATUSES, REQUEST_TRANSITIONS, check_field, check_form, legal_next
from .staff import StaffConsoleModel
from .tickets import MAX_TICKETS, TicketModel, TicketView

__all__ = [
    "BoothModel", "BoothPanelModel", "TicketModel", "RequestFormModel", "MyRequestsModel", "StaffConsoleModel",
    "Link", "Toast", "TicketView", "RequestForm", "REQUEST_STATUSES", "REQUEST_TRANSITIONS", "legal_next",
    "check_field", "check_form", "NOTE_KEY", "MAX_NOTE", "MAX_TICKETS", "normalise_phone",
]
