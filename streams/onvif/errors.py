"""Why an ONVIF device could not be asked. Messages never carry the password."""

from streams.errors import StreamAuthRefused, StreamError, StreamUnreachable


class OnvifError(StreamError):
    """The device answered something this client cannot use, or refused an operation."""


class OnvifUnreachable(OnvifError, StreamUnreachable):
    """Connection refused, host down, or no answer within the timeout."""


class OnvifAuthRefused(OnvifError, StreamAuthRefused):
    """The device refused the user name or password (ter:NotAuthorized)."""
