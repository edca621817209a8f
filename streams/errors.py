"""Why a camera could not be looked at. Messages never carry credentials."""


class StreamError(Exception):
    """A look at a camera failed."""


class StreamUnreachable(StreamError):
    """Connection refused, host down, or nothing sent before the timeout."""


class StreamTimeout(StreamUnreachable):
    """The camera accepted the connection but sent no picture in time."""


class StreamAuthRefused(StreamError):
    """The camera refused the credentials."""


class StreamDecodeError(StreamError):
    """The camera sent data that could not be decoded into a picture."""
