"""BYOSC as an LTI 1.3 tool: platform registrations, the tool's own keys, the OIDC login and
launch checks, the mapping of LMS contexts to courses, and the session a launch ends in."""
