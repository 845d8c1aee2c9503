# Run once when the module is imported (see runtime.rs): the few Python calls that hand a
# result from Gantry's runtime to an asyncio event loop.
import asyncio

get_running_loop = asyncio.get_running_loop


def set_result(future, value):
    """Completes ``future`` unless it was cancelled meanwhile."""
    if not future.done():
        future.set_result(value)


def set_exception(future, error):
    """Fails ``future`` unless it was cancelled meanwhile."""
    if not future.done():
        future.set_exception(error)
