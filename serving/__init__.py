"""The served marts: the publisher (publish.py), the one read side (reader.py) and the indicator query
(indicators.py). Imports common and transform.build_state only; the API, the CLI and the bench sit above it."""
