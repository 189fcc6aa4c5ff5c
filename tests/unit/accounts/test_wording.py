"""Messages and names of accounts that follow from their facts alone."""

import pytest

from accounts.exceptions import LoginThrottled
from accounts.models import SignIn

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"


@pytest.mark.parametrize(
    ("seconds", "retry_after", "when"),
    [
        (0, 1, "1 second"),
        (2, 2, "2 seconds"),
        (59, 59, "59 seconds"),
        (60, 60, "1 minute"),
        (61, 61, "2 minutes"),
    ],
)
def test_a_throttled_sign_in_says_when_to_try_again(seconds, retry_after, when):
    error = LoginThrottled(seconds)

    assert error.retry_after == retry_after
    assert str(error) == f"Too many failed sign-in attempts. Try again in {when}."


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [(FIREFOX, "Firefox on Ubuntu"), ("", "Unknown device"), ("curl/8.5.0", "curl")],
)
def test_a_sign_in_names_its_device_from_the_user_agent(user_agent, device):
    assert SignIn(user_agent=user_agent).device == device
