"""The simulation engine: applies the decisions of the scheduler and controllers to the state."""
