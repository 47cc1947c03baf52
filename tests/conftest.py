"""Shared fixtures: they live in tests/support/ by topic and are gathered here."""

from tests.support.app import *  # noqa: F403
from tests.support.banks import *  # noqa: F403
from tests.support.browser import *  # noqa: F403
from tests.support.cli import *  # noqa: F403
from tests.support.db import *  # noqa: F403
