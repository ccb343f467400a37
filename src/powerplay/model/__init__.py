"""The data model: MDPs, joint MDPs, policies, gridworlds, built-in environments, reward distributions."""
