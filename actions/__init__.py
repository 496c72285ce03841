"""rasa-sdk custom actions: thin adapters from the conversation to `knowledge/` and `analytics/`.

The action server imports this package (``python -m rasa_sdk --actions actions``); every module listed
here registers its actions on import. In the action server (only there, not in tests) the heavy objects
are then built in a background thread (``actions.resources``), so the server is healthy at once and the
first question does not pay for loading the embedding model.
"""
import logging as _logging

from actions import (  # noqa: F401
    account_actions,
    analytics_actions,
    cancel,
    faq,
    feedback,
    forms,
    handoff,
    menu,
    prompts,
)
from actions.resources import in_action_server, start_background_warm_up

if in_action_server():
    from hai.settings import get_settings

    if not _logging.getLogger().handlers:  # the spawned worker gets no logging set-up from rasa_sdk
        _logging.basicConfig(level=get_settings().log_level,
                             format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    # One torch thread per question: the action server answers several conversations at once on few
    # cores, next to the Rasa server; two threads per encode would only make them wait on each other.
    import torch as _torch

    _torch.set_num_threads(get_settings().action_torch_threads)
    start_background_warm_up()
