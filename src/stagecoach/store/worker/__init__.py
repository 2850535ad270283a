"""Job rows the worker claims."""
