//! Integration tests of the negotiation room.
