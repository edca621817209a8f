"""`patrol bench detector`: every available backend on the same frames, against the PyTorch reference."""
