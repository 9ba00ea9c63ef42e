"""Read models: tables projected from the notification log; projector, handlers, queries."""
