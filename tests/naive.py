"""A plain, separately written reference implementation of POWER, for cross-checks.

Dense arrays, one reward sample at a time, value iteration run to machine precision, no
tricks. It shares nothing with the compiled engine except the MDP objects' public arrays.
"""

from __future__ import annotations

import numpy as np


def dense_transitions(mdp) -> np.ndarray:
    """``[S, A, S]`` (single-agent) or ``[S, A_H, A_A, S]`` (joint) transition array."""
    S = mdp.num_states
    return mdp.transitions.toarray().reshape(mdp.action_mask.shape + (S,))


def optimal_values(P: np.ndarray, mask: np.ndarray, R: np.ndarray, gamma: float, sweeps: int = 20000) -> np.ndarray:
    """Optimal values by plain value iteration; unavailable actions are excluded."""
    V = np.zeros(len(R))
    for _ in range(sweeps):
        Q = np.where(mask, P @ V, -np.inf)
        new = R + gamma * Q.max(axis=1)
        if np.max(np.abs(new - V)) < 1e-13 * max(1.0, np.max(np.abs(new))):
            return new
        V = new
    return V


def power_of_values(P, mask, V, gamma) -> np.ndarray:
    """POWER samples ``(1 - gamma) * max_a sum P V`` of converged optimal values."""
    return (1 - gamma) * np.where(mask, P @ V, -np.inf).max(axis=1)


def single_agent_power(mdp, rewards: np.ndarray, gamma: float) -> np.ndarray:
    P, mask = dense_transitions(mdp), mdp.action_mask
    return np.array([power_of_values(P, mask, optimal_values(P, mask, R, gamma), gamma) for R in rewards])


def tie_split(Q: np.ndarray, mask: np.ndarray, gamma: float, tie_tolerance: float = 1e-8) -> np.ndarray:
    Q = np.where(mask, Q, -np.inf)
    best = Q.max(axis=1, keepdims=True)
    tied = mask & ((1 - gamma) * (best - Q) <= tie_tolerance)
    return tied / tied.sum(axis=1, keepdims=True)


def multiagent_power(joint, seed_policy: np.ndarray, rewards_H, rewards_A, gamma_H, gamma_A):
    """POWER samples of H and A (and H against the seed, A under the seed) for the human-AI setting."""
    P = dense_transitions(joint)  # [S, AH, AA, S]
    mask = joint.action_mask
    mask_H, mask_A = mask.any(axis=2), mask.any(axis=1)
    out = {"H": [], "A": [], "H_against_seed": [], "A_seed": []}
    for R_H, R_A in zip(rewards_H, rewards_A):
        P_H = np.einsum("shat,sa->sht", P, seed_policy)
        V_H0 = optimal_values(P_H, mask_H, R_H, gamma_H)
        pi_H = tie_split(P_H @ V_H0, mask_H, gamma_H)
        P_A = np.einsum("shat,sh->sat", P, pi_H)
        V_A = optimal_values(P_A, mask_A, R_A, gamma_A)
        pi_A = tie_split(P_A @ V_A, mask_A, gamma_A)
        chain = np.einsum("shat,sh,sa->st", P, pi_H, pi_A)
        V_H = np.linalg.solve(np.eye(len(R_H)) - gamma_H * chain, R_H)
        seed_chain = np.einsum("shat,sh,sa->st", P, pi_H, seed_policy)
        V_A_seed = np.linalg.solve(np.eye(len(R_A)) - gamma_A * seed_chain, R_A)
        out["H"].append((1 - gamma_H) * chain @ V_H)
        out["A"].append(power_of_values(P_A, mask_A, V_A, gamma_A))
        out["H_against_seed"].append(power_of_values(P_H, mask_H, V_H0, gamma_H))
        out["A_seed"].append((1 - gamma_A) * seed_chain @ V_A_seed)
    return {k: np.array(v) for k, v in out.items()}


# -- gridworld construction -------------------------------------------------------------


def gridworld_from_cells(open_cells, stochastic_noise_level=0.0, noise_bias=None, name=""):
    """The gridworld builder as it was before vectorisation: a Python loop over cells.

    Kept verbatim (apart from imports) as the reference the vectorised
    :func:`powerplay.model.gridworld.gridworld_from_cells` must reproduce bit for bit.
    """
    from scipy import sparse

    from powerplay.errors import ModelError
    from powerplay.model.gridworld import MOVES, _check_noise
    from powerplay.model.labels import cell_label
    from powerplay.model.mdp import MDP

    def noise_weights(allowed, level, bias):
        spread = level - sum(bias.get(move, 0.0) for move in allowed)
        return {move: spread / len(allowed) + bias.get(move, 0.0) for move in allowed}

    noise_bias = dict(noise_bias or {})
    _check_noise(stochastic_noise_level, noise_bias)
    open_cells = np.asarray(open_cells, dtype=bool)
    cells = [tuple(map(int, rc)) for rc in np.argwhere(open_cells)]
    if not cells:
        raise ModelError("the gridworld has no open cells")
    index = {cell: i for i, cell in enumerate(cells)}
    moves = list(MOVES)
    mask = np.zeros((len(cells), len(moves)), dtype=bool)
    rows, cols, probs = [], [], []
    for i, (r, c) in enumerate(cells):
        target = {m: index.get((r + dr, c + dc)) for m, (dr, dc) in MOVES.items()}
        allowed = [m for m in moves if target[m] is not None]
        noise = noise_weights(allowed, stochastic_noise_level, noise_bias) if stochastic_noise_level > 0 else {}
        for action in allowed:
            a = moves.index(action)
            mask[i, a] = True
            outcome = {target[m]: w for m, w in noise.items()}
            outcome[target[action]] = outcome.get(target[action], 0.0) + 1.0 - stochastic_noise_level
            for j, p in outcome.items():
                if p > 0:
                    rows.append(i * len(moves) + a)
                    cols.append(j)
                    probs.append(p)
    transitions = sparse.coo_array((probs, (rows, cols)), shape=(len(cells) * len(moves), len(cells)))
    return MDP(tuple(cell_label(r, c) for r, c in cells), tuple(moves), transitions, mask, name=name)


def gridworld_with_mechanics(text_map, stochastic_noise_level=0.0, noise_bias=None, winds=()):
    """A gridworld with one-way doors, teleporters and winds, cell by cell, from the rules' text.

    ``'.'`` open, ``'#'`` wall, ``'>' '<' '^' 'v'`` doors (entered only moving right, left, up,
    down), a digit or capital letter a teleporter pad (two per mark). ``winds`` are dicts
    ``{column or row, direction, probability}``. Shares nothing with the engine but ``MDP``.
    """
    from scipy import sparse

    from powerplay.model.mdp import MDP

    steps = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1), "stay": (0, 0)}
    doors = {">": "right", "<": "left", "^": "up", "v": "down"}
    lines = [line.strip() for line in text_map.strip("\n").splitlines() if line.strip()]
    cells = {}
    pads = {}
    for r, line in enumerate(lines):
        for c, char in enumerate(line):
            if char != "#":
                cells[(r, c)] = char
                if char.isdigit() or char.isupper():
                    pads.setdefault(char, []).append((r, c))
    partner = {}
    for a, b in pads.values():
        partner[a], partner[b] = b, a
    order = sorted(cells)
    index = {cell: i for i, cell in enumerate(order)}

    def step(cell, move):
        """Where a one-cell move leads (walls and doors checked), or None."""
        if move == "stay":
            return cell
        nxt = (cell[0] + steps[move][0], cell[1] + steps[move][1])
        if nxt not in cells:
            return None
        if cells[nxt] in doors and doors[cells[nxt]] != move:
            return None
        return nxt

    def wind_at(cell):
        for wind in winds:
            if wind.get("column") == cell[1] or wind.get("row") == cell[0]:
                return wind["direction"], wind["probability"]
        return None

    bias = dict(noise_bias or {})
    level = stochastic_noise_level
    moves = list(steps)
    mask = np.zeros((len(order), len(moves)), dtype=bool)
    rows, cols, probs = [], [], []
    for i, cell in enumerate(order):
        allowed = [m for m in moves if step(cell, m) is not None]
        spread = level - sum(bias.get(m, 0.0) for m in allowed)
        noise = {m: spread / len(allowed) + bias.get(m, 0.0) for m in allowed} if level > 0 else {}
        for action in allowed:
            mask[i, moves.index(action)] = True
            by_move = dict(noise)
            by_move[action] = by_move.get(action, 0.0) + 1.0 - level
            outcome = {}
            for move, weight in by_move.items():
                land = step(cell, move)
                if move != "stay" and land in partner:
                    land = partner[land]
                wind = wind_at(land)
                blown = step(land, wind[0]) if wind else None
                if blown is None:
                    outcome[land] = outcome.get(land, 0.0) + weight
                else:
                    outcome[land] = outcome.get(land, 0.0) + weight * (1.0 - wind[1])
                    outcome[blown] = outcome.get(blown, 0.0) + weight * wind[1]
            for land, p in outcome.items():
                if p > 0:
                    rows.append(i * len(moves) + moves.index(action))
                    cols.append(index[land])
                    probs.append(p)
    transitions = sparse.coo_array((probs, (rows, cols)), shape=(len(order) * len(moves), len(order)))
    return MDP(tuple(f"({r}, {c})" for r, c in order), tuple(moves), transitions, mask)
