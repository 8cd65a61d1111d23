"""Runs one batch through the stages in order: the one place that knows the order.

One module a stage (``intake_step``, ``index_step``, ``match_step``, ``commit_step``,
``deliver_step``), ``run`` that runs them in order, and the commands beside it (``simulate``,
``training``, ``explain_step``, ``retention``). Their names are imported from their modules:
the package imports none of them, so importing a stage imports only what it needs (intake and
the index do not import the store, nor a batch run the explanation of a decision). It passes
on the choice of Arrow's allocator to the service, which does not import the engines.
"""

from ivs.engines.memory import use_retaining_allocator

__all__ = ["use_retaining_allocator"]
