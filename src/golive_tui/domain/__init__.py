"""Pure rules of a go-live: entities, state machines, SLA clocks, the gate, phone numbers.

Nothing here imports a UI, an HTTP client or a database engine.
"""
