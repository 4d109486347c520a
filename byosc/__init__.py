"""BYOSC: turn a course's material into a study buddy that answers with citations."""
