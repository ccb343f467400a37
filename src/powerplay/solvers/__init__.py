"""Solvers: batched value iteration, policy iteration and POWER for each experiment type."""
