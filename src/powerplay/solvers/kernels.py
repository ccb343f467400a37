"""Compiled (numba) kernels: batched value iteration, policy iteration and policy evaluation.

Everything here works on plain arrays; :mod:`powerplay.solvers.structure` builds them from
the model objects and :mod:`powerplay.solvers.values` wraps them. Conventions:

* ``state_ptr [S+1]``: the available (state, action) rows of state ``s`` are
  ``state_ptr[s]:state_ptr[s+1]``;
* ``row_ptr [N+1]``, ``cols [nnz]``, ``probs [nnz]``: CSR of those rows *without* their
  self-loop entry, whose probability is kept apart in ``row_self [N]`` (a self-loop can then
  be solved exactly instead of iterated: self-loop elimination);
* rewards and values are ``[B, S]`` (samples x states) unless said otherwise.

Performance notes: a numba call that passes arrays costs about ten times the work of a
short row loop (reference counting and argument marshalling survive inlining), so loops run
once per state are written out in place and helpers are kept for once-per-sample or rare
paths.

Stopping rules (each sample stops on its own, so results never depend on batching). With
``T`` the Bellman operator, ``V* `` the exact values and ``d = TV - V``:

* stochastic rows, Jacobi sweeps: ``TV + g/(1-g) min d <= V* <= TV + g/(1-g) max d``
  (McQueen-Porteus). We return the midpoint, so ``|V - V*| <= g/(1-g) (max d - min d)/2``;
* sub-stochastic rows (mass leaking to an implicit zero-value state): the same with
  ``min(min d, 0)`` and ``max(max d, 0)``;
* Gauss-Seidel sweeps with self-loop elimination (a ``g``-contraction):
  ``|V - V*| <= g/(1-g) max |V_new - V_old|``.

POWER is ``(1-g) * C`` with the continuation value ``C(s) = max_a sum_s' P V(s')``, whose
error is at most ``|V - V*|``; so each rule is turned into a bound in POWER units by
multiplying by ``(1-g)``, and a sample stops once that bound is ``<= tol``. Every bound adds
rounding's share (:func:`rounding_floor`); policy iteration and policy evaluation certify
their final values from their Bellman residual instead (:func:`residual_bound`). A stage that
only needs a policy may stop earlier, once its tie sets are certain (:func:`_certain`).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
from numba import njit, prange
from numba.core import config as numba_config

from ._lanes import (
    LANES,
    anderson_combine,
    anderson_differences,
    gauss_seidel_sweep,
    jacobi_sweep,
    jacobi_sweep_margins,
    mixed_gauss_seidel_sweep,
    mixed_jacobi_sweep,
    mixed_jacobi_sweep_margins,
    mixed_tie_margins,
    tie_margins,
)

#: Digest of the generated ``_lanes.py`` these kernels were compiled with, kept up to date by
#: ``tools/generate_lane_kernels.py``. Why: numba's on-disk cache of a function is invalidated
#: only when *its own* file changes, and the kernels here inline the lane sweeps; a changed
#: ``_lanes.py`` alone would leave stale machine code. This line changes with it, so the
#: kernels recompile.
LANES_DIGEST = "f7e0332107eb9c99"

_NEG_INF = -np.inf


@contextmanager
def slp_vectorization():
    """Compile with LLVM's SLP vectoriser on (numba's default is off); see ``_lanes``."""
    previous = numba_config.SLP_VECTORIZE
    numba_config.SLP_VECTORIZE = 1
    try:
        yield
    finally:
        numba_config.SLP_VECTORIZE = previous


# ----------------------------------------------------------------------------------------
# Shared MDP: one transition structure for every sample, vectorised across samples.
# ----------------------------------------------------------------------------------------


@njit(cache=True)
def rounding_floor(entries, magnitude, gamma):
    """Largest POWER error that rounding alone can cause in a value-iteration result.

    ``entries`` is the most terms of any row's sum (self-loop included) and ``magnitude`` the
    largest ``|R|``, so values stay within ``magnitude / (1 - gamma)``. Each Bellman step's
    sums are then wrong by at most about ``(entries + 3) eps`` times that; the span or
    sup-norm bounds turn such an error into at most its size again in POWER units, and the
    continuation ``max_a P V`` adds its own sum's rounding. The constant is twice the
    count, for the few extra operations of the bounds themselves (see ``docs/engine.md``).
    """
    eps = 2.220446049250313e-16
    return (2.0 * entries + 12.0) * eps * magnitude * (1.0 + 1.0 / (1.0 - gamma))


@njit(cache=True, fastmath=False)
def _load_lane(lane, b, rewards, gamma, R, V):
    """Load sample ``b`` into ``lane``; returns its largest ``|reward|``."""
    S = rewards.shape[1]
    scale = 1.0 / (1.0 - gamma)
    magnitude = 0.0
    for s in range(S):
        R[s, lane] = rewards[b, s]
        V[s, lane] = rewards[b, s] * scale  # the value of staying put forever: a fair start
        magnitude = max(magnitude, abs(rewards[b, s]))
    return magnitude


@njit(cache=True, fastmath=False)
def _clear_lane(lane, R, V, W):
    for s in range(R.shape[0]):
        R[s, lane] = 0.0
        V[s, lane] = 0.0
        W[s, lane] = 0.0


@njit(cache=True)
def _load_weights(lane, b, slot_ptr, slot_others, other_masks, other_probs, dense, Wt, sel, mixed_count, smix):
    """Sample ``b``'s other agents in ``lane``: ``Wt[slot, lane]`` the probability that they take
    each slot's joint action; ``sel[s, lane]`` the slot they take (local to the state; -1 if none
    of the state's slots, :data:`_SEL_MIXED` where some other agent splits a tie or mixes, counted in
    ``mixed_count`` and flagged in ``smix``). The others' policies are tie masks
    ``other_masks [m, B, S]``, or with ``dense`` probabilities ``other_probs [m, B, S, A]``."""
    one = np.uint64(1)
    for s in range(slot_ptr.shape[0] - 1):
        single = True
        for j in range(slot_others.shape[1]):
            if dense:
                # one action taken with probability exactly one (the rest exactly zero)
                positive = 0
                certain = False
                for a in range(other_probs.shape[3]):
                    p = other_probs[j, b, s, a]
                    positive += 1 if p != 0.0 else 0
                    certain = certain or p == 1.0
                single = single and positive == 1 and certain
            else:
                m = other_masks[j, b, s]
                single = single and m != 0 and m & (m - one) == 0
        chosen = -1
        for slot in range(slot_ptr[s], slot_ptr[s + 1]):
            w = 1.0
            for j in range(slot_others.shape[1]):
                w *= _other_weight(b, s, j, slot_others[slot, j], other_masks, other_probs, dense)
            Wt[slot, lane] = w
            if w > 0.0:
                chosen = slot - slot_ptr[s]
        if single:
            sel[s, lane] = chosen
        else:
            sel[s, lane] = _SEL_MIXED
            mixed_count[s] += 1
            smix[s] = True


@njit(cache=True)
def _unload_weights(lane, sel, mixed_count, smix):
    """Forget a lane's sample (see :func:`_load_weights`)."""
    for s in range(sel.shape[0]):
        if sel[s, lane] == _SEL_MIXED:
            mixed_count[s] -= 1
            smix[s] = mixed_count[s] > 0
        sel[s, lane] = -1


#: ``sel`` of a lane whose other agents split a tie in that state (weighted action values there).
_SEL_MIXED = -3


@njit(cache=True)
def _most_slots(slot_ptr):
    most = 0
    for s in range(slot_ptr.shape[0] - 1):
        most = max(most, slot_ptr[s + 1] - slot_ptr[s])
    return most


@njit(cache=True)
def _most_group_terms(grp_ptr, row_ptr):
    """Most terms of a mixed action value's sum: each row's entries, self-loop and weight."""
    most = 1
    for g in range(grp_ptr.shape[0] - 1):
        terms = 0
        for r in range(grp_ptr[g], grp_ptr[g + 1]):
            terms += row_ptr[r + 1] - row_ptr[r] + 2
        most = max(most, terms)
    return most


#: With policy certification on, lanes are checked (and refilled) every this many sweeps; a
#: sample loaded on a multiple of it is checked on multiples of its own sweep count, so when it
#: stops never depends on the other samples sharing its lanes.
CERTIFY_EVERY = 8


#: Anderson acceleration's memory (type II, per lane) for the stages that ask for it
#: (``memory`` of :func:`shared_optimal_values` / :func:`response_optimal_values`; 0: plain
#: sweeps). It must divide :data:`CERTIFY_EVERY`: lanes are loaded on multiples of it, so a
#: sample's history slot is its own sweep count modulo the memory, shared by the block's lanes.
#: Measured on the Part 3 maze: 2 takes as few sweeps as 4 or 8 (within 7 %) at less cost a step.
ANDERSON_MEMORY = 2  # anderson_differences is written for two slots

#: An accelerated iterate whose residual is not below this many times the smallest residual of
#: its sample so far is dropped (see :func:`_anderson_step`): a guard against blow-up only.
#: Part 3 maze, 256 samples, A's response to a Boltzmann H (beta 5): mean / largest sweeps 237 /
#: 952 with the former guard (also dropping an iterate not below twice its predecessor's and not
#: below 4 times the smallest), 139 / 400 with this one (beta 50: 311 / 1,116 -> 115 / 360; 7x7
#: gridworld with noise 0.3 at gamma 0.999, Boltzmann's own values: 1,074 / 11,176 -> 368 / 1,814).
ANDERSON_GROWTH = 100.0


@njit(cache=True, fastmath=False)
def _anderson_step(
    k, V, W, live, spans, DF, DG, Fp, Gp, gram, rhs, gcol, cols, have_prev, best_span, accelerated, coef
):
    """Replace each live lane's plain step ``V = T(W)`` by its Anderson (type II) step.

    Per lane, with ``x = W`` (the sweep's input), ``g = V = T x`` and ``f = g - x``: the last
    ``cols`` differences ``ΔF``/``ΔG`` of consecutive ``f``/``g`` (a ring of ``memory`` slots,
    this step's in slot ``k``) give ``γ = argmin ||f - ΔF γ||_2`` (normal equations, lightly
    regularised), and the next iterate is ``g - ΔG γ``. Safeguard: when an accelerated iterate's
    residual (``spans``: the sweep's span or sup-norm of ``f``) is not below
    :data:`ANDERSON_GROWTH` times the smallest (``best_span``) of the sample so far, it is
    dropped: the lane goes on from the plain step of the iterate it came from (kept in ``Gp``)
    and its history restarts. (Anderson's residuals need not fall at every step; stricter
    guards, dropping iterates whose residual grew, took up to 2.7 times the sweeps: see
    :data:`ANDERSON_GROWTH`.) A lane's numbers
    come from its own columns in an order fixed by its own sweep count, so they never depend on
    the other lanes; the stopping rules certify any iterate (their bounds hold for every ``V``),
    so acceleration changes how many sweeps a sample takes, not what its bound means.
    """
    L = V.shape[1]
    m = DF.shape[0]
    reject = np.zeros(L, dtype=np.bool_)
    use = np.zeros(L, dtype=np.bool_)
    for lane in range(L):
        reject[lane] = live[lane] and accelerated[lane] and not spans[lane] < ANDERSON_GROWTH * best_span[lane]
        use[lane] = live[lane] and have_prev[lane] and not reject[lane]
    # 1. The new differences into slot k; rhs[i] = <ΔF_i, f>, gcol[i] = <ΔF_i, ΔF_k>.
    anderson_differences(k, V, W, Fp, Gp, DF, DG, reject, use, rhs, gcol)
    A = np.empty((m, m))
    y = np.empty(m)
    idx = np.empty(m, dtype=np.int64)
    for lane in range(L):
        for i in range(m):
            coef[i, lane] = 0.0
        if not live[lane]:
            continue
        if reject[lane]:
            cols[lane] = 0
            accelerated[lane] = False
            continue
        if use[lane]:
            for i in range(m):
                gram[i, k, lane] = gcol[i, lane]
                gram[k, i, lane] = gcol[i, lane]
            cols[lane] = min(cols[lane] + 1, m)
        have_prev[lane] = True
        best_span[lane] = min(best_span[lane], spans[lane])
        accelerated[lane] = False
        n = cols[lane]
        if n == 0:
            continue
        top = 0.0
        for t in range(n):
            idx[t] = (k - n + 1 + t + m) % m  # oldest first
            top = max(top, gram[idx[t], idx[t], lane])
        if not top > 0.0:
            continue
        for a in range(n):
            y[a] = rhs[idx[a], lane]
            for b in range(n):
                A[a, b] = gram[idx[a], idx[b], lane]
            A[a, a] += 1e-10 * top
        # Cholesky solve; a numerically singular system restarts the history (plain step).
        ok = True
        for j in range(n):
            d = A[j, j]
            for p in range(j):
                d -= A[j, p] * A[j, p]
            if not d > 1e-12 * top:
                ok = False
                break
            d = np.sqrt(d)
            A[j, j] = d
            for a in range(j + 1, n):
                e = A[a, j]
                for p in range(j):
                    e -= A[a, p] * A[j, p]
                A[a, j] = e / d
        if not ok:
            cols[lane] = 0
            continue
        for a in range(n):
            e = y[a]
            for p in range(a):
                e -= A[a, p] * y[p]
            y[a] = e / A[a, a]
        for a in range(n - 1, -1, -1):
            e = y[a]
            for p in range(a + 1, n):
                e -= A[p, a] * y[p]
            y[a] = e / A[a, a]
        for t in range(n):
            coef[idx[t], lane] = y[t]
        accelerated[lane] = True
    # 2. x = g - ΔG γ (zero coefficients leave a lane's g exactly as it is).
    anderson_combine(V, DG, coef)


@njit(cache=True, fastmath=False)
def _shared_block(
    lo,
    hi,
    state_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    mix,
    grp_ptr,
    row_slot,
    slot_ptr,
    slot_others,
    other_masks,
    other_probs,
    dense,
    rewards,
    gamma,
    tol,
    max_iter,
    jacobi,
    leaks,
    certify,
    tie_tol,
    certify_tol,
    memory,
    values_out,
    iters_out,
    bound_out,
):
    """Solve samples ``lo:hi`` on one thread, LANES at a time, refilling lanes as they finish.

    A lane's sweeps depend only on its own sample, so when and where a sample runs does not
    change its result. With ``certify``, a sample also stops once its bound is at most
    ``certify_tol`` and its greedy tie sets are certain: no action's gap is within twice the
    bound (plus rounding) of ``tie_tol`` (see :func:`_certain`). Checks come every
    :data:`CERTIFY_EVERY` sweeps of a sample, once twice its bound is below its last margin.

    With ``mix`` the MDP is an agent's response to per-sample policies of the others:
    ``state_ptr`` indexes groups of joint rows (one group per acting action, rows in
    ``grp_ptr``), row ``r`` uses the others' joint action of slot ``row_slot[r]`` (state ``s``'s
    slots are ``slot_ptr[s]:slot_ptr[s+1]``, their actions ``slot_others [slots, m]``), and the
    others' policies are ``other_masks [m, B, S]`` (tie masks) or, with ``dense``,
    ``other_probs [m, B, S, A]`` (probabilities); each lane weighs the rows by its sample's
    policies (the ``mixed_*`` sweeps of ``_lanes``). Otherwise those arrays are unused.
    """
    S = rewards.shape[1]
    R = np.zeros((S, LANES))
    V = np.zeros((S, LANES))
    W = np.zeros((S, LANES))
    stats = np.zeros((4, LANES))
    lane_sample = np.full(LANES, -1, dtype=np.int64)
    lane_iter = np.zeros(LANES, dtype=np.int64)
    lane_margin = np.zeros(LANES)  # the last check's margin: no use checking before 2 * bound is below it
    lane_floor = np.zeros(LANES)  # rounding's share of the bound (see rounding_floor)
    lane_due = np.zeros(LANES, dtype=np.bool_)
    lane_bound = np.zeros(LANES)
    max_rows = 1
    for s in range(S):
        max_rows = max(max_rows, state_ptr[s + 1] - state_ptr[s])
    Q = np.zeros((max_rows, LANES))
    margins = np.zeros((2, LANES))
    no_shift = np.zeros(LANES)
    Wt = np.zeros((slot_others.shape[0] if mix else 0, LANES))
    sel = np.full((S if mix else 0, LANES), -1, dtype=np.int16)
    mixed_count = np.zeros(S if mix else 0, dtype=np.int64)
    smix = np.zeros(S if mix else 0, dtype=np.bool_)
    if mix and _most_slots(slot_ptr) > 30000:
        smix[:] = True  # local slot numbers would not fit ``sel``: weigh every state
    max_entries = _most_group_terms(grp_ptr, row_ptr) if mix else _most_entries(row_ptr)
    # Span bounds take rows to sum to one; the rows' real sums may miss it by a little (mixed:
    # so may the others' weights, a few rounding errors per row).
    defect = _mass_defect(row_ptr, probs, row_self) if jacobi and not leaks else 0.0
    if mix and jacobi and not leaks:
        defect += max_entries * 2.220446049250313e-16
    factor = gamma / (1.0 - gamma)
    # Anderson acceleration: per-lane history, see _anderson_step.
    m_acc = memory
    acc_DF = np.zeros((m_acc, S if m_acc else 0, LANES))
    acc_DG = np.zeros((m_acc, S if m_acc else 0, LANES))
    acc_Fp = np.zeros((S if m_acc else 0, LANES))
    acc_Gp = np.zeros((S if m_acc else 0, LANES))
    acc_gram = np.zeros((m_acc, m_acc, LANES))
    acc_rhs = np.zeros((m_acc, LANES))
    acc_gcol = np.zeros((m_acc, LANES))
    acc_coef = np.zeros((m_acc, LANES))
    acc_cols = np.zeros(LANES, dtype=np.int64)
    acc_prev = np.zeros(LANES, dtype=np.bool_)
    acc_best = np.full(LANES, np.inf)
    acc_was = np.zeros(LANES, dtype=np.bool_)
    acc_span = np.zeros(LANES)
    live = np.zeros(LANES, dtype=np.bool_)
    # Checks fall on multiples of CERTIFY_EVERY of a sample's own sweeps. A Gauss-Seidel check
    # is a pass over all lanes, so samples there are loaded only on such multiples too, keeping
    # the lanes in step; a Jacobi check rides on a sweep at little cost, so lanes refill at once.
    align = CERTIFY_EVERY if certify else 1
    load_align = align if certify and not jacobi else 1
    if m_acc:
        # Anderson slots follow the sweep count: loading on multiples of the memory (of
        # CERTIFY_EVERY, which it divides, when checks align loads too) makes a sample's slot its
        # own sweep count modulo the memory.
        load_align = CERTIFY_EVERY if load_align > 1 else m_acc
    sweep = 0
    nxt = lo
    active = 0
    due = False
    while True:
        if sweep % load_align == 0:
            for lane in range(LANES):
                if lane_sample[lane] < 0 and nxt < hi:
                    magnitude = _load_lane(lane, nxt, rewards, gamma, R, V)
                    if mix:
                        _load_weights(
                            lane,
                            nxt,
                            slot_ptr,
                            slot_others,
                            other_masks,
                            other_probs,
                            dense,
                            Wt,
                            sel,
                            mixed_count,
                            smix,
                        )
                    lane_floor[lane] = rounding_floor(max_entries, magnitude, gamma) + defect * magnitude / (
                        1.0 - gamma
                    )
                    lane_sample[lane] = nxt
                    lane_iter[lane] = 0
                    lane_margin[lane] = np.inf
                    if m_acc:
                        acc_cols[lane] = 0
                        acc_prev[lane] = False
                        acc_best[lane] = np.inf
                        acc_was[lane] = False
                    nxt += 1
                    active += 1
        if active == 0:
            if nxt >= hi:
                break
            # every lane finished between loading sweeps: skip to the next one (no sweep runs)
            sweep += load_align - sweep % load_align
            continue
        checked = due and jacobi
        if checked:
            # The sweep's own action values give the margins of the values it starts from.
            if mix:
                mixed_jacobi_sweep_margins(
                    state_ptr,
                    grp_ptr,
                    row_ptr,
                    cols,
                    probs,
                    row_self,
                    row_slot,
                    slot_ptr,
                    Wt,
                    sel,
                    smix,
                    R,
                    V,
                    W,
                    gamma,
                    tie_tol,
                    Q,
                    stats,
                )
            else:
                jacobi_sweep_margins(state_ptr, row_ptr, cols, probs, row_self, R, V, W, gamma, tie_tol, Q, stats)
            V, W = W, V
        elif jacobi:
            if mix:
                mixed_jacobi_sweep(
                    state_ptr,
                    grp_ptr,
                    row_ptr,
                    cols,
                    probs,
                    row_self,
                    row_slot,
                    slot_ptr,
                    Wt,
                    sel,
                    smix,
                    R,
                    V,
                    W,
                    gamma,
                    stats,
                )
            else:
                jacobi_sweep(state_ptr, row_ptr, cols, probs, row_self, R, V, W, gamma, stats)
            V, W = W, V
        elif mix:
            mixed_gauss_seidel_sweep(
                state_ptr,
                grp_ptr,
                row_ptr,
                cols,
                probs,
                row_self,
                row_slot,
                slot_ptr,
                Wt,
                sel,
                smix,
                R,
                V,
                W,
                gamma,
                stats,
            )
        else:
            gauss_seidel_sweep(state_ptr, row_ptr, cols, probs, row_self, R, V, W, gamma, stats)
        sweep += 1
        due = False
        for lane in range(LANES):
            b = lane_sample[lane]
            if b < 0:
                continue
            lane_iter[lane] += 1
            if jacobi:
                m, M = stats[0, lane], stats[1, lane]
                if leaks:
                    m = min(m, 0.0)
                    M = max(M, 0.0)
                if checked and lane_due[lane]:
                    # Certify the values W this sweep started from, moved to the middle of the
                    # span bounds: V* - W lies in [m, M] / (1 - gamma), so the POWER error is
                    # at most (M - m) / 2.
                    bound = (M - m) * 0.5 + lane_floor[lane]
                    shift = (M + m) * 0.5 / (1.0 - gamma)
                    lane_margin[lane] = stats[2, lane]
                    if _certain(stats[2, lane], bound, max_entries, stats[3, lane] + abs(shift), gamma, certify_tol):
                        _finish_lane(lane, b, W, shift, lane_iter[lane], bound, values_out, iters_out, bound_out)
                        lane_sample[lane] = -1
                        _clear_lane(lane, R, V, W)
                        if mix:
                            _unload_weights(lane, sel, mixed_count, smix)
                        active -= 1
                        continue
                bound = (1.0 - gamma) * factor * (M - m) * 0.5
                shift = factor * (M + m) * 0.5
            else:
                bound = (1.0 - gamma) * factor * stats[1, lane]
                shift = 0.0
            # A bound no larger than rounding's share cannot be improved by more sweeps.
            converged = bound <= lane_floor[lane]
            bound += lane_floor[lane]
            lane_due[lane] = False
            if bound <= tol or converged or lane_iter[lane] >= max_iter:
                _finish_lane(lane, b, V, shift, lane_iter[lane], bound, values_out, iters_out, bound_out)
                lane_sample[lane] = -1
                _clear_lane(lane, R, V, W)
                if mix:
                    _unload_weights(lane, sel, mixed_count, smix)
                active -= 1
                continue
            if certify and lane_iter[lane] % align == 0 and bound <= certify_tol and 2.0 * bound < lane_margin[lane]:
                lane_due[lane] = True
                lane_bound[lane] = bound
                due = True
        if due and not jacobi:
            # Gauss-Seidel sweeps mix old and new values: measure the margins of the result.
            if mix:
                mixed_tie_margins(
                    state_ptr,
                    grp_ptr,
                    row_ptr,
                    cols,
                    probs,
                    row_self,
                    row_slot,
                    slot_ptr,
                    Wt,
                    sel,
                    smix,
                    V,
                    no_shift,
                    gamma,
                    tie_tol,
                    Q,
                    margins,
                )
            else:
                tie_margins(state_ptr, row_ptr, cols, probs, row_self, V, no_shift, gamma, tie_tol, Q, margins)
            for lane in range(LANES):
                b = lane_sample[lane]
                if b < 0 or not lane_due[lane]:
                    continue
                lane_due[lane] = False
                bound = lane_bound[lane]
                lane_margin[lane] = margins[0, lane]
                if _certain(margins[0, lane], bound, max_entries, margins[1, lane], gamma, certify_tol):
                    _finish_lane(lane, b, V, 0.0, lane_iter[lane], bound, values_out, iters_out, bound_out)
                    lane_sample[lane] = -1
                    _clear_lane(lane, R, V, W)
                    if mix:
                        _unload_weights(lane, sel, mixed_count, smix)
                    active -= 1
            due = False
        if m_acc:
            for lane in range(LANES):
                live[lane] = lane_sample[lane] >= 0
                acc_span[lane] = stats[1, lane] - stats[0, lane] if jacobi else stats[1, lane]
            _anderson_step(
                sweep % m_acc,
                V,
                W,
                live,
                acc_span,
                acc_DF,
                acc_DG,
                acc_Fp,
                acc_Gp,
                acc_gram,
                acc_rhs,
                acc_gcol,
                acc_cols,
                acc_prev,
                acc_best,
                acc_was,
                acc_coef,
            )


@njit(cache=True)
def _certain(margin, bound, entries, value_max, gamma, certify_tol):
    """Whether greedy tie sets with this margin are exactly those of the exact values.

    Gaps are computed from values within ``bound`` (POWER units) of the exact ones, so each
    is within ``2 bound`` of its exact value, plus the rounding of two sums of ``entries``
    terms (the check's and :func:`shared_greedy`'s on the returned values).
    """
    eps = 2.220446049250313e-16
    slack = 2.0 * bound + (4.0 * entries + 16.0) * eps * (1.0 - gamma) * value_max
    return bound <= certify_tol and margin > slack


@njit(cache=True)
def _mass_defect(row_ptr, probs, row_self):
    """Largest ``|1 - sum of a row|`` over the rows."""
    worst = 0.0
    for r in range(row_ptr.shape[0] - 1):
        total = row_self[r]
        for k in range(row_ptr[r], row_ptr[r + 1]):
            total += probs[k]
        worst = max(worst, abs(1.0 - total))
    return worst


@njit(cache=True, fastmath=False)
def _finish_lane(lane, b, V, shift, iterations, bound, values_out, iters_out, bound_out):
    for s in range(V.shape[0]):
        values_out[b, s] = V[s, lane] + shift
    iters_out[b] = iterations
    bound_out[b] = bound


@njit(cache=True, parallel=True, fastmath=False)
def shared_optimal_values(
    state_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    rewards,
    gamma,
    tol,
    max_iter,
    jacobi,
    leaks,
    certify,
    tie_tol,
    certify_tol,
    memory,
    num_blocks,
    values_out,
    iters_out,
    bound_out,
):
    """Optimal values of every reward sample on one shared MDP.

    ``jacobi`` selects Jacobi sweeps with span bounds (for stochastic rows; ``leaks`` if some
    rows are sub-stochastic) instead of Gauss-Seidel sweeps with self-loop elimination.
    With ``certify`` a sample may stop before its bound reaches ``tol``: once it is at most
    ``certify_tol`` and the greedy tie sets (``tie_tol``) of its values are certain.
    Samples are split into ``num_blocks`` contiguous ranges solved in parallel.
    """
    B = rewards.shape[0]
    for j in prange(num_blocks):
        lo = (B * j) // num_blocks
        hi = (B * (j + 1)) // num_blocks
        _shared_block(
            lo,
            hi,
            state_ptr,
            row_ptr,
            cols,
            probs,
            row_self,
            False,
            np.zeros(1, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            np.zeros(1, dtype=np.int64),
            np.zeros((0, 0), dtype=np.int64),
            np.zeros((0, 0, 0), dtype=np.uint64),
            np.zeros((0, 0, 0, 0)),
            False,
            rewards,
            gamma,
            tol,
            max_iter,
            jacobi,
            leaks,
            certify,
            tie_tol,
            certify_tol,
            memory,
            values_out,
            iters_out,
            bound_out,
        )


@njit(cache=True, parallel=True, fastmath=False)
def response_optimal_values(
    grp_state_ptr,
    grp_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    row_slot,
    slot_ptr,
    slot_others,
    other_masks,
    other_probs,
    dense,
    rewards,
    gamma,
    tol,
    max_iter,
    jacobi,
    leaks,
    certify,
    tie_tol,
    certify_tol,
    memory,
    num_blocks,
    values_out,
    iters_out,
    bound_out,
):
    """Optimal values of an agent's response to per-sample policies of the others, LANES samples
    at a time (:func:`shared_optimal_values` with mixed action values, see ``_shared_block``).

    Group ``g`` (state ``s``'s groups are ``grp_state_ptr[s]:grp_state_ptr[s+1]``, one per
    acting action available there) holds the joint rows ``grp_ptr[g]:grp_ptr[g+1]`` of that
    action, one per joint action of the others present in the MDP, that joint action being slot
    ``row_slot[r]`` of the state (``slot_ptr``, ``slot_others [slots, m]``);
    ``other_masks [m, B, S]`` are the others' tie masks, or with ``dense`` their probabilities
    ``other_probs [m, B, S, A]`` (zero-padded to the widest agent). With one group per state
    holding all its joint rows, and every agent among the "others", this is the evaluation of
    fixed policies of every agent (:func:`~powerplay.solvers.values.evaluate_policies`).
    """
    B = rewards.shape[0]
    for j in prange(num_blocks):
        lo = (B * j) // num_blocks
        hi = (B * (j + 1)) // num_blocks
        _shared_block(
            lo,
            hi,
            grp_state_ptr,
            row_ptr,
            cols,
            probs,
            row_self,
            True,
            grp_ptr,
            row_slot,
            slot_ptr,
            slot_others,
            other_masks,
            other_probs,
            dense,
            rewards,
            gamma,
            tol,
            max_iter,
            jacobi,
            leaks,
            certify,
            tie_tol,
            certify_tol,
            memory,
            values_out,
            iters_out,
            bound_out,
        )


@njit(cache=True)
def _other_weight(b, s, j, a, other_masks, other_probs, dense):
    """Probability that other agent ``j`` takes action ``a`` in state ``s`` in sample ``b``: from its
    tie mask ``other_masks[j, b, s]``, or with ``dense`` its probabilities ``other_probs[j, b, s]``."""
    if dense:
        return other_probs[j, b, s, a]
    return _mask_weight(other_masks[j, b, s], a)


@njit(cache=True)
def _response_greedy_sample(
    b,
    grp_state_ptr,
    grp_ptr,
    grp_action,
    row_ptr,
    cols,
    probs,
    row_self,
    row_others,
    other_masks,
    other_probs,
    dense,
    values,
    gamma,
    tie_tol,
    policy_out,
    cont_out,
    q,
    want_q,
    q_out,
):
    V = values[b]
    for s in range(values.shape[1]):
        g0 = grp_state_ptr[s]
        n = grp_state_ptr[s + 1] - g0
        qmax = _NEG_INF
        for i in range(n):
            acc = 0.0
            for r in range(grp_ptr[g0 + i], grp_ptr[g0 + i + 1]):
                w = 1.0
                for j in range(row_others.shape[1]):
                    w *= _other_weight(b, s, j, row_others[r, j], other_masks, other_probs, dense)
                a = row_self[r] * V[s]
                for k in range(row_ptr[r], row_ptr[r + 1]):
                    a += probs[k] * V[cols[k]]
                acc += w * a
            q[i] = acc
            qmax = max(qmax, acc)
        cont_out[b, s] = qmax
        mask = np.uint64(0)
        for i in range(n):
            if (1.0 - gamma) * (qmax - q[i]) <= tie_tol:
                mask |= np.uint64(1) << np.uint64(grp_action[g0 + i])
        policy_out[b, s] = mask
        if want_q:
            for x in range(q_out.shape[2]):
                q_out[b, s, x] = _NEG_INF
            for i in range(n):
                q_out[b, s, grp_action[g0 + i]] = q[i]


@njit(cache=True, parallel=True, fastmath=False)
def response_greedy(
    grp_state_ptr,
    grp_ptr,
    grp_action,
    row_ptr,
    cols,
    probs,
    row_self,
    row_others,
    other_masks,
    other_probs,
    dense,
    values,
    gamma,
    tie_tol,
    num_blocks,
    policy_out,
    cont_out,
    want_q,
    q_out,
):
    """:func:`shared_greedy` for an agent's response to per-sample policies of the others.

    The action values are those of the ``mixed_*`` sweeps (the same operations, in the same
    order), so tie sets certified there are the ones found here. ``grp_action [G]`` is each
    group's acting action (its bit in the mask). The others' policies are tie masks
    ``other_masks [m, B, S]`` or, with ``dense``, probabilities ``other_probs [m, B, S, A]``.
    With ``want_q`` every action value goes to ``q_out [B, S, A]`` too (``-inf`` for actions
    not available).
    """
    B, S = values.shape
    max_groups = 0
    for s in range(S):
        max_groups = max(max_groups, grp_state_ptr[s + 1] - grp_state_ptr[s])
    for j in prange(num_blocks):
        q = np.empty(max_groups)
        for b in range((B * j) // num_blocks, (B * (j + 1)) // num_blocks):
            _response_greedy_sample(
                b,
                grp_state_ptr,
                grp_ptr,
                grp_action,
                row_ptr,
                cols,
                probs,
                row_self,
                row_others,
                other_masks,
                other_probs,
                dense,
                values,
                gamma,
                tie_tol,
                policy_out,
                cont_out,
                q,
                want_q,
                q_out,
            )


@njit(cache=True)
def _greedy_sample(
    b,
    state_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    row_action,
    values,
    gamma,
    tie_tol,
    want_policy,
    policy_out,
    cont_out,
    q,
):
    V = values[b]
    for s in range(values.shape[1]):
        r0 = state_ptr[s]
        n = state_ptr[s + 1] - r0
        qmax = _NEG_INF
        for i in range(n):
            r = r0 + i
            acc = row_self[r] * V[s]
            for k in range(row_ptr[r], row_ptr[r + 1]):
                acc += probs[k] * V[cols[k]]
            q[i] = acc
            qmax = max(qmax, acc)
        cont_out[b, s] = qmax
        if want_policy:
            mask = np.uint64(0)
            for i in range(n):
                if (1.0 - gamma) * (qmax - q[i]) <= tie_tol:
                    mask |= np.uint64(1) << np.uint64(row_action[r0 + i])
            policy_out[b, s] = mask


@njit(cache=True, parallel=True, fastmath=False)
def shared_greedy(
    state_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    row_action,
    values,
    gamma,
    tie_tol,
    want_policy,
    num_blocks,
    policy_out,
    cont_out,
):
    """Greedy policy as a tie mask and the continuation value ``max_a sum P V``.

    Bit ``a`` of ``policy_out[b, s]`` is set when ``(1 - gamma) * (Q_max - Q_a) <= tie_tol``;
    the policy is uniform over the set bits. ``cont_out`` is ``[B, S]``.
    """
    B, S = values.shape
    max_rows = 0
    for s in range(S):
        max_rows = max(max_rows, state_ptr[s + 1] - state_ptr[s])
    for j in prange(num_blocks):
        q = np.empty(max_rows)
        for b in range((B * j) // num_blocks, (B * (j + 1)) // num_blocks):
            _greedy_sample(
                b,
                state_ptr,
                row_ptr,
                cols,
                probs,
                row_self,
                row_action,
                values,
                gamma,
                tie_tol,
                want_policy,
                policy_out,
                cont_out,
                q,
            )


# ----------------------------------------------------------------------------------------
# Per-sample chains: exact evaluation of deterministic chains, Gauss-Seidel otherwise.
# ----------------------------------------------------------------------------------------


#: Chains with at most this many stochastic states are solved directly (dense elimination on
#: the reduced system); larger ones by Gauss-Seidel sweeps on that reduced system.
DIRECT_MAX = 64


@njit(cache=True)
def _affine_paths(chain_ptr, chain_cols, chain_w, R, gamma, A, Bc, X, status, path):
    """Each state's value as ``A[s] + Bc[s] * V[X[s]]`` (``X[s] = -1``: just ``A[s]``).

    Deterministic states (at most one successor, whose probability ``chain_w`` may be below
    one: the rest leaks) are followed to a dead end, a cycle solved in closed form, or a
    *stochastic* state (several successors), which stands for itself (``X[x] = x``).
    Returns the number of stochastic states and the longest path walked (for rounding bounds).
    """
    S = R.shape[0]
    k = 0
    longest = 0
    for s in range(S):
        if chain_ptr[s + 1] - chain_ptr[s] > 1:
            A[s] = 0.0
            Bc[s] = 1.0
            X[s] = s
            status[s] = 2
            k += 1
        else:
            status[s] = 0
    for start in range(S):
        if status[start] != 0:
            continue
        n = 0
        s = start
        while True:
            if chain_ptr[s + 1] == chain_ptr[s]:
                # dead end: everything after s is worth nothing
                A[s] = R[s]
                Bc[s] = 0.0
                X[s] = -1
                status[s] = 2
                break
            status[s] = 1
            path[n] = s
            n += 1
            longest = max(longest, n)
            t = chain_cols[chain_ptr[s]]
            if status[t] == 2:
                break
            if status[t] == 1:
                # cycle from t to the end of the path: solve it in closed form
                i0 = n - 1
                while path[i0] != t:
                    i0 -= 1
                total = 0.0
                weight = 1.0
                for i in range(i0, n):
                    u = path[i]
                    total += weight * R[u]
                    weight *= gamma * chain_w[chain_ptr[u]]
                A[t] = total / (1.0 - weight)
                Bc[t] = 0.0
                X[t] = -1
                status[t] = 2
                for i in range(n - 1, i0, -1):
                    u = path[i]
                    A[u] = R[u] + gamma * chain_w[chain_ptr[u]] * A[chain_cols[chain_ptr[u]]]
                    Bc[u] = 0.0
                    X[u] = -1
                    status[u] = 2
                n = i0
                break
            s = t
        for i in range(n - 1, -1, -1):
            u = path[i]
            if status[u] != 2:
                f = gamma * chain_w[chain_ptr[u]]
                nxt = chain_cols[chain_ptr[u]]
                A[u] = R[u] + f * A[nxt]
                Bc[u] = f * Bc[nxt]
                X[u] = X[nxt]
                status[u] = 2
    return k, longest


@njit(cache=True)
def _reduced_system(chain_ptr, chain_cols, chain_w, R, gamma, A, Bc, X, xs, pos, red_ptr, red_col, red_w, rhs, diag):
    """The values of the stochastic states ``xs`` solve ``y = rhs + C y``; C as CSR without its diagonal."""
    S = R.shape[0]
    k = 0
    for s in range(S):
        if X[s] == s:
            pos[s] = k
            xs[k] = s
            k += 1
    n = 0
    for j in range(k):
        x = xs[j]
        red_ptr[j] = n
        acc = R[x]
        d = 0.0
        for e in range(chain_ptr[x], chain_ptr[x + 1]):
            c = chain_cols[e]
            f = gamma * chain_w[e]
            acc += f * A[c]
            if X[c] >= 0:
                i = pos[X[c]]
                if i == j:
                    d += f * Bc[c]
                else:
                    red_col[n] = i
                    red_w[n] = f * Bc[c]
                    n += 1
        rhs[j] = acc
        diag[j] = d
    red_ptr[k] = n
    return k


@njit(cache=True)
def _solve_dense(k, red_ptr, red_col, red_w, rhs, diag, mat, y):
    """``(I - C) y = rhs`` by Gaussian elimination; ``I - C`` is strictly diagonally dominant
    (every row of ``C`` sums to at most ``gamma``), so no pivoting is needed."""
    for i in range(k * k):
        mat[i] = 0.0
    for j in range(k):
        mat[j * k + j] = 1.0 - diag[j]
        for e in range(red_ptr[j], red_ptr[j + 1]):
            mat[j * k + red_col[e]] -= red_w[e]
        y[j] = rhs[j]
    for p in range(k):
        piv = mat[p * k + p]
        for i in range(p + 1, k):
            f = mat[i * k + p] / piv
            if f != 0.0:
                for j in range(p + 1, k):
                    mat[i * k + j] -= f * mat[p * k + j]
                y[i] -= f * y[p]
    for p in range(k - 1, -1, -1):
        acc = y[p]
        for j in range(p + 1, k):
            acc -= mat[p * k + j] * y[j]
        y[p] = acc / mat[p * k + p]


@njit(cache=True)
def _iterate_reduced(k, red_ptr, red_col, red_w, rhs, diag, y, gamma, tol, max_iter):
    """Gauss-Seidel on ``y = rhs + C y`` (a ``gamma``-contraction); returns (sweeps, POWER-unit bound)."""
    bound = np.inf
    for it in range(1, max_iter + 1):
        delta = 0.0
        for j in range(k):
            acc = rhs[j]
            for e in range(red_ptr[j], red_ptr[j + 1]):
                acc += red_w[e] * y[red_col[e]]
            v = acc / (1.0 - diag[j])
            d = abs(v - y[j])
            if d > delta:
                delta = d
            y[j] = v
        bound = gamma * delta  # |y - y*| <= gamma/(1-gamma) * delta, times (1-gamma) for POWER units
        if bound <= tol:
            return it, bound
    return max_iter, bound


@njit(cache=True)
def _evaluate_chain(chain_ptr, chain_cols, chain_w, R, gamma, V, tol, max_iter, iwork, fwork):
    """Values ``V`` of a fixed chain; returns (sweeps, POWER-unit bound, longest path).

    The bound is 0 for the direct solutions (their rounding is measured afterwards, from
    the Bellman residual: :func:`residual_bound`) and the iteration's bound otherwise.

    Deterministic states are resolved in closed form along their paths, which leaves a
    linear system over the stochastic states only: none (exact), up to :data:`DIRECT_MAX`
    (solved directly: exact to rounding), or more (Gauss-Seidel from the values in ``V``,
    to ``tol``).
    """
    S = R.shape[0]
    status = iwork[:S]
    path = iwork[S : 2 * S]
    X = iwork[2 * S : 3 * S]
    A = fwork[:S]
    Bc = fwork[S : 2 * S]
    k, longest = _affine_paths(chain_ptr, chain_cols, chain_w, R, gamma, A, Bc, X, status, path)
    it, bound = 1, 0.0
    if k > 0:
        xs = iwork[3 * S : 4 * S]
        pos = iwork[4 * S : 5 * S]
        red_ptr = iwork[5 * S : 6 * S + 1]
        red_col = iwork[6 * S + 1 :]
        rhs = fwork[2 * S : 3 * S]
        diag = fwork[3 * S : 4 * S]
        y = fwork[4 * S : 5 * S]
        red_w = fwork[5 * S : 5 * S + red_col.shape[0]]
        mat = fwork[5 * S + red_col.shape[0] :]
        _reduced_system(chain_ptr, chain_cols, chain_w, R, gamma, A, Bc, X, xs, pos, red_ptr, red_col, red_w, rhs, diag)
        if k <= DIRECT_MAX:
            _solve_dense(k, red_ptr, red_col, red_w, rhs, diag, mat, y)
        else:
            for j in range(k):
                y[j] = V[xs[j]]
            it, bound = _iterate_reduced(k, red_ptr, red_col, red_w, rhs, diag, y, gamma, tol, max_iter)
    for s in range(S):
        x = X[s]
        V[s] = A[s] if x < 0 else A[s] + Bc[s] * y[pos[x]]
    return it, bound, longest


@njit(cache=True)
def _most_entries(row_ptr):
    """Most terms of a row's sum: its entries plus the self-loop kept apart."""
    most = 1
    for r in range(row_ptr.shape[0] - 1):
        most = max(most, row_ptr[r + 1] - row_ptr[r] + 1)
    return most


@njit(cache=True)
def residual_bound(residual, terms, magnitude, value_max, gamma, iteration_bound, longest):
    """Certified POWER error of values ``V`` from their Bellman residual ``max |TV - V|``.

    ``T`` (optimal or a fixed policy's) is a ``gamma``-contraction, so
    ``|V - V*| <= |TV - V| / (1 - gamma)``, and POWER ``(1 - gamma) max P V`` is then within
    ``|TV - V|`` of the exact one, plus the rounding of the residual's own computation (sums
    of ``terms`` products of values up to ``value_max``, rewards up to ``magnitude``) and of
    the continuation. However the values were computed, this holds. An iterative evaluation
    also has its own bound, valid up to the rounding of the reduced system it iterated
    (paths of up to ``longest`` steps); the smaller of the two is returned.
    """
    eps = 2.220446049250313e-16
    rounding = (terms + 4.0) * eps * (magnitude + 2.0 * value_max) + (1.0 - gamma) * (terms + 1.0) * eps * value_max
    bound = residual + rounding
    if iteration_bound > 0.0:
        bound = min(bound, iteration_bound + (3.0 * longest + terms + 8.0) * eps * (magnitude + 2.0 * value_max))
    return bound


@njit(cache=True)
def _add_row(jr, weight, row_ptr, cols, probs, row_self, s, chain_cols, chain_w, n):
    """Append ``weight * P[jr]`` (self-loop included) to a chain row being built; returns new length."""
    if row_self[jr] > 0.0:
        chain_cols[n] = s
        chain_w[n] = weight * row_self[jr]
        n += 1
    for k in range(row_ptr[jr], row_ptr[jr + 1]):
        chain_cols[n] = cols[k]
        chain_w[n] = weight * probs[k]
        n += 1
    return n


@njit(cache=True)
def _merge_row(chain_cols, chain_w, start, stop):
    """Merge duplicate columns in ``start:stop`` (small rows: quadratic is fine); returns new stop."""
    n = start
    for i in range(start, stop):
        c = chain_cols[i]
        found = False
        for j in range(start, n):
            if chain_cols[j] == c:
                chain_w[j] += chain_w[i]
                found = True
                break
        if not found:
            chain_cols[n] = c
            chain_w[n] = chain_w[i]
            n += 1
    return n


#: Codes for how the acting agent's action ``a`` in state ``s`` is resolved in one sample:
#: a joint row index (>= 0) when every other agent's policy is deterministic there, or
_NO_ROW = -1  # the others' chosen actions leave no joint row: all mass leaks (Q = 0)
_MIXED = -2  # some other agent mixes several actions: sum over the others' policies
_UNAVAILABLE = -3  # the acting agent cannot take ``a`` in ``s`` at all


@njit(cache=True)
def _mask_weight(mask, a):
    """Probability of action ``a`` under the uniform policy over the set bits of ``mask``."""
    if (mask >> np.uint64(a)) & np.uint64(1) == 0:
        return 0.0
    count = 0
    while mask:
        mask &= mask - np.uint64(1)
        count += 1
    return 1.0 / count


@njit(cache=True)
def _others_weight(b, s, i, act_others, other_masks):
    """Probability of the others' actions ``act_others[i]`` in state ``s``: the product of each
    other agent's mask weight, in agent order (one other agent: ``1.0 * w``, which is ``w``)."""
    w = 1.0
    for j in range(act_others.shape[1]):
        w *= _mask_weight(other_masks[j, b, s], act_others[i, j])
    return w


@njit(cache=True)
def _resolve_rows(
    b, S, num_act, other_sizes, other_strides, acting_stride, num_joint, act_ptr, row_index, other_masks, eff
):
    """Fill ``eff[s * num_act + a]`` with a joint row or a code (see above) for sample ``b``.

    The joint row of ``(s, a)`` when every other agent takes one action ``o_j`` is
    ``row_index[s * num_joint + a * acting_stride + sum_j o_j * other_strides[j]]``.
    Returns whether any entry is ``_MIXED`` (some other agent splits ties somewhere).
    """
    mixed = False
    one = np.uint64(1)
    m = other_sizes.shape[0]
    for s in range(S):
        base = 0
        single = True
        for j in range(m):
            mask = other_masks[j, b, s]
            o = -1  # the other agent's action if it takes only one
            if mask & (mask - one) == 0:
                for x in range(other_sizes[j]):
                    o = x if mask == (one << np.uint64(x)) else o
            if o < 0:
                single = False
            else:
                base += o * other_strides[j]
        for a in range(num_act):
            i = s * num_act + a
            if act_ptr[i] == act_ptr[i + 1]:
                eff[i] = _UNAVAILABLE
            elif not single:
                eff[i] = _MIXED
                mixed = True
            else:
                row = row_index[s * num_joint + base + a * acting_stride]
                eff[i] = row if row >= 0 else _NO_ROW
    return mixed


@njit(cache=True)
def _row_dot(jr, s, row_ptr, cols, probs, row_self, V):
    acc = row_self[jr] * V[s]
    for k in range(row_ptr[jr], row_ptr[jr + 1]):
        acc += probs[k] * V[cols[k]]
    return acc


@njit(cache=True)
def _mixed_q(s, a, b, num_act, act_ptr, act_row, act_others, other_masks, row_ptr, cols, probs, row_self, V):
    """``sum_o pi_others(o|s) sum_s' P(s'|s, a, o) V(s')`` when several joint rows mix (rare)."""
    total = 0.0
    for i in range(act_ptr[s * num_act + a], act_ptr[s * num_act + a + 1]):
        w = _others_weight(b, s, i, act_others, other_masks)
        if w > 0.0:
            total += w * _row_dot(act_row[i], s, row_ptr, cols, probs, row_self, V)
    return total


@njit(cache=True)
def _chain_scratch(S, nnz_total):
    """Chain CSR arrays plus the integer and float work arrays of :func:`_evaluate_chain`."""
    return (
        np.zeros(S + 1, dtype=np.int64),
        np.empty(nnz_total, dtype=np.int64),
        np.empty(nnz_total),
        np.empty(6 * S + 1 + nnz_total, dtype=np.int64),
        np.empty(5 * S + nnz_total + DIRECT_MAX * DIRECT_MAX),
    )


@njit(cache=True)
def _row_targets(row_ptr, cols, probs, row_self, row_target, row_weight):
    """Per joint row, its one next state and probability when it has one: ``row_target`` the
    state, or -1 for the row's own state (no entries but the self-loop ``row_weight``), or -2
    for a row with several next states."""
    for r in range(row_self.shape[0]):
        entries = row_ptr[r + 1] - row_ptr[r]
        row_target[r] = -2
        row_weight[r] = 0.0
        if entries == 0:
            row_target[r] = -1
            row_weight[r] = row_self[r]
        elif entries == 1 and row_self[r] == 0.0:
            row_target[r] = cols[row_ptr[r]]
            row_weight[r] = probs[row_ptr[r]]


@njit(cache=True)
def _single_targets(S, num_act, eff, row_target, row_weight, target, weight):
    """``target[i]``, ``weight[i]``: the one next state (and its probability) of action ``i``'s
    row when it has one (-1 otherwise), so that its action value is one product per step."""
    for s in range(S):
        for a in range(num_act):
            i = s * num_act + a
            code = eff[i]
            target[i] = -1
            if code >= 0:
                t = row_target[code]
                target[i] = s if t == -1 else max(t, -1)
                weight[i] = row_weight[code]


@njit(cache=True)
def _action_values(S, num_act, eff, target, weight, row_ptr, cols, probs, row_self, V, q):
    """``q[s * num_act + a]`` for every action resolved to one row (or to none); others untouched.

    A row with one next state is ``weight * V[target]``: the same number as the sum below
    (``0 * V[s] + p V[t]`` is ``p V[t]``, signed zeros included).
    """
    for s in range(S):
        for a in range(num_act):
            i = s * num_act + a
            t = target[i]
            if t >= 0:
                q[i] = weight[i] * V[t]
                continue
            code = eff[i]
            if code >= 0:
                acc = row_self[code] * V[s]
                for k in range(row_ptr[code], row_ptr[code + 1]):
                    acc += probs[k] * V[cols[k]]
                q[i] = acc
            elif code == _NO_ROW:
                q[i] = 0.0
            elif code == _UNAVAILABLE:
                q[i] = _NEG_INF


@njit(cache=True)
def _mixed_action_values(
    b, S, num_act, eff, act_ptr, act_row, act_others, other_masks, row_ptr, cols, probs, row_self, V, q
):
    """``q`` for the actions that mix several joint rows (some other agent splits a tie)."""
    for s in range(S):
        for a in range(num_act):
            if eff[s * num_act + a] == _MIXED:
                q[s * num_act + a] = _mixed_q(
                    s, a, b, num_act, act_ptr, act_row, act_others, other_masks, row_ptr, cols, probs, row_self, V
                )


@njit(cache=True)
def _improve(S, num_act, q, pol, slack):
    """Switch each state to its best action when it beats the current one; returns whether any did."""
    changed = False
    for s in range(S):
        best_a = -1
        best_q = _NEG_INF
        for a in range(num_act):
            qa = q[s * num_act + a]
            take = qa > best_q
            best_a = a if take else best_a
            best_q = qa if take else best_q
        cur = pol[s]
        if cur < 0 or (best_a != cur and best_q > q[s * num_act + cur] + 1e-13 * (1.0 + abs(best_q)) + slack):
            pol[s] = best_a
            changed = True
    return changed


@njit(cache=True)
def _mixed_chain(
    b,
    S,
    num_act,
    eff,
    pol,
    act_ptr,
    act_row,
    act_others,
    other_masks,
    row_ptr,
    cols,
    probs,
    row_self,
    chain_ptr,
    chain_cols,
    chain_w,
):
    """Chain of a policy when some chosen actions mix joint rows (merging repeated next states).

    States whose action resolves to one row are copied in place: a helper call per state
    would cost more than the copy (see the module notes).
    """
    n = 0
    for s in range(S):
        chain_ptr[s] = n
        a = pol[s]
        code = eff[s * num_act + a]
        if code >= 0:
            if row_self[code] > 0.0:
                chain_cols[n] = s
                chain_w[n] = row_self[code]
                n += 1
            for k in range(row_ptr[code], row_ptr[code + 1]):
                chain_cols[n] = cols[k]
                chain_w[n] = probs[k]
                n += 1
        elif code == _MIXED:
            start = n
            for i in range(act_ptr[s * num_act + a], act_ptr[s * num_act + a + 1]):
                w = _others_weight(b, s, i, act_others, other_masks)
                if w > 0.0:
                    n = _add_row(act_row[i], w, row_ptr, cols, probs, row_self, s, chain_cols, chain_w, n)
            n = _merge_row(chain_cols, chain_w, start, n)
    chain_ptr[S] = n


@njit(cache=True)
def _warm_policy(b, S, num_act, act_ptr, warm_masks, pol):
    """Fill ``pol`` with the lowest available action of each state's warm-start mask
    ``warm_masks[b, s]``; returns False (``pol`` all -1: a cold start) if some state's mask
    has no available action."""
    one = np.uint64(1)
    for s in range(S):
        mask = warm_masks[b, s]
        a = 0
        while a < num_act and (
            (mask >> np.uint64(a)) & one == 0 or act_ptr[s * num_act + a] == act_ptr[s * num_act + a + 1]
        ):
            a += 1
        if a == num_act:
            for x in range(S):
                pol[x] = -1
            return False
        pol[s] = a
    return True


@njit(cache=True)
def _policy_values(
    b,
    S,
    num_act,
    eff,
    pol,
    mixed,
    act_ptr,
    act_row,
    act_others,
    other_masks,
    row_ptr,
    cols,
    probs,
    row_self,
    chosen,
    chain_ptr,
    chain_cols,
    chain_w,
    R,
    gamma,
    V,
    tol,
    max_iter,
    iwork,
    fwork,
):
    """Values ``V`` of sample ``b``'s policy ``pol`` (one action per state): its chain (mixing the
    others' tie-split rows when ``mixed``), evaluated exactly; returns ``(bound, longest)``."""
    if mixed:
        _mixed_chain(
            b,
            S,
            num_act,
            eff,
            pol,
            act_ptr,
            act_row,
            act_others,
            other_masks,
            row_ptr,
            cols,
            probs,
            row_self,
            chain_ptr,
            chain_cols,
            chain_w,
        )
    else:
        for s in range(S):
            chosen[s] = eff[s * num_act + pol[s]]  # a row, or _NO_ROW
        _rows_chain(S, chosen, row_ptr, cols, probs, row_self, chain_ptr, chain_cols, chain_w)
    _, bound, longest = _evaluate_chain(chain_ptr, chain_cols, chain_w, R, gamma, V, tol, max_iter, iwork, fwork)
    return bound, longest


@njit(cache=True)
def _functional(S, num_act, eff, target):
    """Whether every action resolves to one next state or to none (``_NO_ROW``): each policy's
    chain is then a functional graph (at most one successor per state)."""
    broken = 0  # actions with a row of several next states
    for i in range(S * num_act):
        broken += target[i] < 0 and eff[i] >= 0
    return broken == 0


@njit(cache=True)
def _reverse_actions(S, num_act, target, rev_ptr, rev_idx, rev_state):
    """``rev_idx[rev_ptr[t]:rev_ptr[t + 1]]``: the actions ``i = s * num_act + a`` whose one next
    state is ``t``, in increasing ``i``, and their states ``s`` in ``rev_state``."""
    for t in range(S + 1):
        rev_ptr[t] = 0
    for i in range(S * num_act):
        if target[i] >= 0:
            rev_ptr[target[i] + 1] += 1
    for t in range(S):
        rev_ptr[t + 1] += rev_ptr[t]
    for s in range(S):
        for a in range(num_act):
            i = s * num_act + a
            t = target[i]
            if t >= 0:
                rev_idx[rev_ptr[t]] = i
                rev_state[rev_ptr[t]] = s
                rev_ptr[t] += 1
    for t in range(S, 0, -1):  # the fill advanced each start to the next one's: shift back
        rev_ptr[t] = rev_ptr[t - 1]
    rev_ptr[0] = 0


@njit(cache=True)
def _functional_chain(S, num_act, target, weight, pol, gamma, nxt, f):
    """The policy's chain as a functional graph: next state ``nxt[s]`` (-1: none, all mass
    leaks) reached with discounted probability ``f[s]`` (``gamma * p``, as the chain's)."""
    for s in range(S):
        t = -1
        if pol[s] >= 0:
            t = target[s * num_act + pol[s]]
        nxt[s] = t
        f[s] = gamma * weight[s * num_act + pol[s]] if t >= 0 else 0.0


@njit(cache=True)
def _functional_values(starts, count, nxt, f, R, V, status, path):
    """Values ``V`` of a functional chain at the states ``starts[:count]``, the others' taken as
    they are in ``V`` (every state's ``status`` is 2 on entry and on return).

    :func:`_affine_paths` without stochastic states: paths are followed to a dead end, a state
    already valued or a cycle solved in closed form, with the same arithmetic, so that all
    states as ``starts`` in increasing order give the same numbers as :func:`_evaluate_chain`.
    """
    for j in range(count):
        status[starts[j]] = 0
    for j in range(count):
        start = starts[j]
        if status[start] != 0:
            continue
        n = 0
        s = start
        while True:
            if nxt[s] < 0:
                V[s] = R[s]
                status[s] = 2
                break
            status[s] = 1
            path[n] = s
            n += 1
            t = nxt[s]
            if status[t] == 2:
                break
            if status[t] == 1:
                i0 = n - 1
                while path[i0] != t:
                    i0 -= 1
                total = 0.0
                w = 1.0
                for i in range(i0, n):
                    u = path[i]
                    total += w * R[u]
                    w *= f[u]
                V[t] = total / (1.0 - w)
                status[t] = 2
                for i in range(n - 1, i0, -1):
                    u = path[i]
                    V[u] = R[u] + f[u] * V[nxt[u]]
                    status[u] = 2
                n = i0
                break
            s = t
        for i in range(n - 1, -1, -1):
            u = path[i]
            if status[u] != 2:
                V[u] = R[u] + f[u] * V[nxt[u]]
                status[u] = 2


@njit(cache=True)
def _upstream(num_act, pol, rev_ptr, rev_idx, rev_state, seeds, count, mark, stamp, queue):
    """The states whose policy path reaches one of ``seeds[:count]`` (seeds included), in
    ``queue``; returns their number. ``mark[s] == stamp`` flags the states found."""
    n = 0
    for j in range(count):
        s = seeds[j]
        if mark[s] != stamp:
            mark[s] = stamp
            queue[n] = s
            n += 1
    h = 0
    while h < n:
        t = queue[h]
        h += 1
        for e in range(rev_ptr[t], rev_ptr[t + 1]):
            s = rev_state[e]
            if mark[s] != stamp and s * num_act + pol[s] == rev_idx[e]:
                mark[s] = stamp
                queue[n] = s
                n += 1
    return n


@njit(cache=True)
def _refresh_action_values(queue, count, rev_ptr, rev_idx, rev_state, weight, V, q, mark, stamp, dirty):
    """Recompute the action values that lead to the re-valued states ``queue[:count]``; the
    states owning them go to ``dirty`` (returns their number; ``mark[s] == stamp`` flags them)."""
    m = 0
    for j in range(count):
        t = queue[j]
        v = V[t]
        for e in range(rev_ptr[t], rev_ptr[t + 1]):
            i = rev_idx[e]
            q[i] = weight[i] * v
            s = rev_state[e]
            if mark[s] != stamp:
                mark[s] = stamp
                dirty[m] = s
                m += 1
    return m


@njit(cache=True)
def _improve_listed(states, count, num_act, q, pol, slack, switched):
    """:func:`_improve` on the states ``states[:count]`` only; the switched ones go to ``switched``
    (returns their number)."""
    k = 0
    for j in range(count):
        s = states[j]
        best_a = -1
        best_q = _NEG_INF
        for a in range(num_act):
            qa = q[s * num_act + a]
            take = qa > best_q
            best_a = a if take else best_a
            best_q = qa if take else best_q
        cur = pol[s]
        if cur < 0 or (best_a != cur and best_q > q[s * num_act + cur] + 1e-13 * (1.0 + abs(best_q)) + slack):
            pol[s] = best_a
            switched[k] = s
            k += 1
    return k


#: An improvement that switches more than ``1 / INCREMENTAL_SHARE`` of the states is followed by
#: a full pass (every state re-valued, every action value recomputed): cheaper than finding
#: the states upstream of so many.
INCREMENTAL_SHARE = 8


@njit(cache=True)
def _revalue_and_improve(S, num_act, target, weight, V, q, pol, switched):
    """Every action value with one next state (``weight * V[target]``, as :func:`_action_values`)
    and :func:`_improve_listed` on every state, in one pass; returns the number switched."""
    k = 0
    for s in range(S):
        best_a = -1
        best_q = _NEG_INF
        for a in range(num_act):
            i = s * num_act + a
            t = target[i]
            if t >= 0:
                q[i] = weight[i] * V[t]
            qa = q[i]
            take = qa > best_q
            best_a = a if take else best_a
            best_q = qa if take else best_q
        cur = pol[s]
        if cur < 0 or (best_a != cur and best_q > q[s * num_act + cur] + 1e-13 * (1.0 + abs(best_q))):
            pol[s] = best_a
            switched[k] = s
            k += 1
    return k


#: A cold incremental iteration first sweeps the values this many times (Gauss-Seidel value
#: iteration, in state order): its first policy is then nearer the optimum (Part 3 maze, gamma
#: 0.9: 5.4 improvement steps instead of 7.0, 20% less time per sample; 5 sweeps no better).
START_SWEEPS = 3


@njit(cache=True)
def _start_sweeps(S, num_act, eff, target, weight, R, gamma, V, sweeps):
    """``sweeps`` Gauss-Seidel sweeps of value iteration on ``V`` over functional chains."""
    for _ in range(sweeps):
        for s in range(S):
            best = _NEG_INF
            for a in range(num_act):
                i = s * num_act + a
                t = target[i]
                qa = weight[i] * V[t] if t >= 0 else (0.0 if eff[i] == _NO_ROW else _NEG_INF)
                best = max(best, qa)
            V[s] = R[s] + gamma * best if best > _NEG_INF else V[s]


@njit(cache=True)
def _incremental_iteration(
    S, num_act, eff, target, weight, row_ptr, cols, probs, row_self, R, gamma, max_iter, evaluate, pol, V, q, scratch
):
    """Policy iteration on functional chains (see :func:`_functional`): after an improvement
    that switched few states, only the states whose path reaches a switched one are re-valued
    and only the states with an action leading to one of those are re-improved.

    Starts from ``pol`` when ``evaluate``, else greedy on ``V`` after :data:`START_SWEEPS`
    sweeps of value iteration; returns the improvement steps. Each step improves every state
    whose action values changed, so from the same start it takes the full iteration's steps;
    the values are the exact ones of the final policy, up to rounding (a re-valued cycle may be
    solved from another of its states).
    ``scratch`` is ``[9 * S + 1 + 2 * S * num_act]`` int64.
    """
    nxt = scratch[:S]
    status = scratch[S : 2 * S]
    path = scratch[2 * S : 3 * S]
    mark = scratch[3 * S : 4 * S]
    queue = scratch[4 * S : 5 * S]
    switched = scratch[5 * S : 6 * S]
    dirty = scratch[6 * S : 7 * S]
    every = scratch[7 * S : 8 * S]
    rev_ptr = scratch[8 * S : 9 * S + 1]
    rev_idx = scratch[9 * S + 1 : 9 * S + 1 + S * num_act]
    rev_state = scratch[9 * S + 1 + S * num_act : 9 * S + 1 + 2 * S * num_act]
    f = np.empty(S)
    _reverse_actions(S, num_act, target, rev_ptr, rev_idx, rev_state)
    for s in range(S):
        every[s] = s
        status[s] = 2
        mark[s] = -1
    iteration = 0
    if evaluate:
        _functional_chain(S, num_act, target, weight, pol, gamma, nxt, f)
        _functional_values(every, S, nxt, f, R, V, status, path)
    else:
        _start_sweeps(S, num_act, eff, target, weight, R, gamma, V, START_SWEEPS)
    iteration += 1
    _action_values(S, num_act, eff, target, weight, row_ptr, cols, probs, row_self, V, q)
    count = _improve_listed(every, S, num_act, q, pol, 0.0, switched)
    while count > 0 and iteration <= max_iter:
        for j in range(count):
            s = switched[j]
            t = target[s * num_act + pol[s]] if pol[s] >= 0 else -1
            nxt[s] = t
            f[s] = gamma * weight[s * num_act + pol[s]] if t >= 0 else 0.0
        iteration += 1
        if count * INCREMENTAL_SHARE > S:
            _functional_values(every, S, nxt, f, R, V, status, path)
            count = _revalue_and_improve(S, num_act, target, weight, V, q, pol, switched)
            continue
        stamp = 2 * iteration
        n = _upstream(num_act, pol, rev_ptr, rev_idx, rev_state, switched, count, mark, stamp, queue)
        _functional_values(queue, n, nxt, f, R, V, status, path)
        m = _refresh_action_values(queue, n, rev_ptr, rev_idx, rev_state, weight, V, q, mark, stamp + 1, dirty)
        count = _improve_listed(dirty, m, num_act, q, pol, 0.0, switched)
    return iteration


@njit(cache=True)
def _best_response_sample(
    b,
    act_ptr,
    act_row,
    act_others,
    num_act,
    other_sizes,
    other_strides,
    acting_stride,
    num_joint,
    row_index,
    row_ptr,
    cols,
    probs,
    row_self,
    row_target,
    row_weight,
    other_masks,
    warm_masks,
    incremental,
    rewards,
    gamma,
    tol,
    tie_tol,
    max_iter,
    terms,
    values_out,
    cont_out,
    policy_out,
    iters_out,
    bound_out,
    V,
    pol,
    q,
    eff,
    target,
    weight,
    chosen,
    chain_ptr,
    chain_cols,
    chain_w,
    iwork,
    fwork,
    scratch,
):
    # Each step is a separate call-free pass: a rarely taken call inside a hot loop makes
    # numba reload array metadata on every iteration.
    S = rewards.shape[1]
    R = rewards[b]
    mixed = _resolve_rows(
        b, S, num_act, other_sizes, other_strides, acting_stride, num_joint, act_ptr, row_index, other_masks, eff
    )
    _single_targets(S, num_act, eff, row_target, row_weight, target, weight)
    # A warm start whose tie sets are not certain (some gap within its values' error of the
    # threshold) is redone cold, so that warm and cold starts give the same tie masks.
    warm = warm_masks.shape[0] > 0
    # Incremental policy iteration where every chain is a functional graph; like a warm start, a
    # result whose tie sets are not certain is redone by the full iteration below.
    incr = incremental and not mixed and _functional(S, num_act, eff, target)
    spent = 0
    while True:
        for s in range(S):
            V[s] = R[s] / (1.0 - gamma)  # staying put forever: the first policy is greedy on it
            pol[s] = -1
        bound = 0.0
        longest = 0
        slack = 0.0  # evaluation error in value units: never switch on a difference it could explain
        # Warm start: evaluate the given policy first, so that improvement starts from its values
        # (when little has changed since it was optimal, one pass finds nothing to improve).
        evaluate = warm and _warm_policy(b, S, num_act, act_ptr, warm_masks, pol)
        iteration = 0
        if incr:
            iteration = _incremental_iteration(
                S,
                num_act,
                eff,
                target,
                weight,
                row_ptr,
                cols,
                probs,
                row_self,
                R,
                gamma,
                max_iter,
                evaluate,
                pol,
                V,
                q,
                scratch,
            )
        while not incr:
            if evaluate:
                bound, longest = _policy_values(
                    b,
                    S,
                    num_act,
                    eff,
                    pol,
                    mixed,
                    act_ptr,
                    act_row,
                    act_others,
                    other_masks,
                    row_ptr,
                    cols,
                    probs,
                    row_self,
                    chosen,
                    chain_ptr,
                    chain_cols,
                    chain_w,
                    R,
                    gamma,
                    V,
                    tol,
                    max_iter,
                    iwork,
                    fwork,
                )
                slack = 2.0 * bound / (1.0 - gamma)
            iteration += 1
            _action_values(S, num_act, eff, target, weight, row_ptr, cols, probs, row_self, V, q)
            if mixed:
                _mixed_action_values(
                    b, S, num_act, eff, act_ptr, act_row, act_others, other_masks, row_ptr, cols, probs, row_self, V, q
                )
            if not _improve(S, num_act, q, pol, slack) or iteration > max_iter:
                break
            evaluate = True
        # The last improvement pass saw no change, so its action values belong to the final V.
        residual = 0.0
        margin = np.inf  # how far every action's gap is from the tie threshold
        magnitude = 0.0
        value_max = 0.0
        for s in range(S):
            qmax = _NEG_INF
            for a in range(num_act):
                qmax = max(qmax, q[s * num_act + a])
            if qmax > _NEG_INF:
                residual = max(residual, abs(R[s] + gamma * qmax - V[s]))
            magnitude = max(magnitude, abs(R[s]))
            value_max = max(value_max, abs(V[s]))
            mask = np.uint64(0)
            for a in range(num_act):
                qa = q[s * num_act + a]
                if qa > _NEG_INF and (1.0 - gamma) * (qmax - qa) <= tie_tol:
                    mask |= np.uint64(1) << np.uint64(a)
                if qa > _NEG_INF:
                    margin = min(margin, abs((1.0 - gamma) * (qmax - qa) - tie_tol))
            policy_out[b, s] = mask
            cont_out[b, s] = qmax
            values_out[b, s] = V[s]
        spent += iteration
        bound = residual_bound(residual, terms, magnitude, value_max, gamma, bound, longest)
        if (warm or incr) and not _certain(margin, bound, terms, value_max, gamma, np.inf):
            warm = False
            incr = False
            continue
        break
    iters_out[b] = spent
    bound_out[b] = bound


@njit(cache=True, parallel=True, fastmath=False)
def best_response(
    act_ptr,
    act_row,
    act_others,
    num_act,
    other_sizes,
    other_strides,
    acting_stride,
    num_joint,
    row_index,
    row_ptr,
    cols,
    probs,
    row_self,
    other_masks,
    warm_masks,
    incremental,
    rewards,
    gamma,
    tol,
    tie_tol,
    max_iter,
    num_blocks,
    values_out,
    cont_out,
    policy_out,
    iters_out,
    bound_out,
):
    """Optimal values and policy of the acting agent against per-sample policies of the others.

    Policy iteration per sample: exact evaluation when the chain is deterministic (the
    usual case on gridworlds), the affine reduction of :func:`_evaluate_chain` otherwise. The
    final policy splits ties uniformly: actions with ``(1 - gamma) * (Q_max - Q_a) <= tie_tol``.

    Parameters
    ----------
    act_ptr : [S * num_act + 1]
        Joint rows using acting action ``a`` in state ``s`` are ``act_row[act_ptr[s*A+a]:...]``,
        with the other agents' actions (in agent order) in ``act_others [rows, m]``.
    other_sizes, other_strides : [m]
        Each other agent's number of actions and its stride in the flat joint action (C order).
    acting_stride, num_joint : int
        The acting agent's stride, and the number of joint actions per state.
    row_index : [S * num_joint]
        Joint row of each (state, joint action) or -1 if the joint action is absent.
    other_masks : [m, B, S] uint64
        The other agents' policies as tie masks (uniform over set bits); a mixed joint action
        has the product of the others' weights, in agent order. ``m = 0``: a single agent.
    warm_masks : [B, S] uint64, or [0, 0] for a cold start
        Per sample, a policy to start from (its lowest available action in each state), for
        instance the acting agent's tie masks from an earlier response. Policy iteration
        converges to an optimal policy from any start, and the final tie sets are read off its
        exact values, so they are the cold start's (a pure policy within the tie sets may differ,
        and the values with it, by rounding: within the certified bound). A cold start (and a
        state whose mask has no available action) begins greedy on ``R / (1 - gamma)``.
    incremental : bool
        Where every chain is a functional graph (:func:`_functional`), incremental policy
        iteration (:func:`_incremental_iteration`): the same tie masks (a sample whose tie sets
        are not certain is redone by the full iteration), values within the certified bound.
    rewards : [B, S]
    policy_out : [B, S] uint64
        The acting agent's optimal policy, as tie masks.
    """
    B, S = rewards.shape
    nnz_total = cols.shape[0] + row_self.shape[0]
    num_other = 1  # most joint rows one action mixes: the product of the others' action counts
    for j in range(other_sizes.shape[0]):
        num_other *= other_sizes[j]
    terms = num_other * _most_entries(row_ptr) + 2  # terms of an action value's sum, mixed rows included
    row_target = np.empty(row_self.shape[0], dtype=np.int64)
    row_weight = np.empty(row_self.shape[0])
    _row_targets(row_ptr, cols, probs, row_self, row_target, row_weight)
    for j in prange(num_blocks):
        V = np.empty(S)
        pol = np.empty(S, dtype=np.int64)
        q = np.empty(S * num_act)
        eff = np.empty(S * num_act, dtype=np.int64)
        target = np.empty(S * num_act, dtype=np.int64)
        weight = np.empty(S * num_act)
        chosen = np.empty(S, dtype=np.int64)
        chain_ptr, chain_cols, chain_w, iwork, fwork = _chain_scratch(S, nnz_total)
        scratch = np.empty(9 * S + 1 + 2 * S * num_act if incremental else 0, dtype=np.int64)
        for b in range((B * j) // num_blocks, (B * (j + 1)) // num_blocks):
            _best_response_sample(
                b,
                act_ptr,
                act_row,
                act_others,
                num_act,
                other_sizes,
                other_strides,
                acting_stride,
                num_joint,
                row_index,
                row_ptr,
                cols,
                probs,
                row_self,
                row_target,
                row_weight,
                other_masks,
                warm_masks,
                incremental,
                rewards,
                gamma,
                tol,
                tie_tol,
                max_iter,
                terms,
                values_out,
                cont_out,
                policy_out,
                iters_out,
                bound_out,
                V,
                pol,
                q,
                eff,
                target,
                weight,
                chosen,
                chain_ptr,
                chain_cols,
                chain_w,
                iwork,
                fwork,
                scratch,
            )


@njit(cache=True)
def _agent_weight(b, s, i, a, source, masks, dense):
    """Probability of agent ``i``'s action ``a`` in state ``s``: from its tie mask
    (``source[i] >= 0``: ``masks[source[i]]``) or its shared dense policy (``dense[-1 - source[i]]``)."""
    k = source[i]
    if k >= 0:
        return _mask_weight(masks[k, b, s], a)
    return dense[-1 - k, s, a]


@njit(cache=True)
def _joint_rows(b, S, action_shape, strides, num_joint, row_index, source, masks, dense, joint_row):
    """``joint_row[s]``: the one joint row every (deterministic) policy picks in ``s``, -1 if that
    joint action is absent, or -2 if some policy is stochastic there. Returns whether any is -2."""
    mixed = False
    one = np.uint64(1)
    n = action_shape.shape[0]
    for s in range(S):
        flat = 0
        single = True
        for i in range(n):
            k = source[i]
            x = -1
            if k >= 0:
                m = masks[k, b, s]
                if m & (m - one) == 0:
                    for y in range(action_shape[i]):
                        x = y if m == (one << np.uint64(y)) else x
            else:
                for y in range(action_shape[i]):
                    x = y if dense[-1 - k, s, y] == 1.0 else x
            if x < 0:
                single = False
            else:
                flat += x * strides[i]
        if single:
            joint_row[s] = row_index[s * num_joint + flat]
        else:
            joint_row[s] = -2
            mixed = True
    return mixed


@njit(cache=True)
def _rows_chain(S, chosen_row, row_ptr, cols, probs, row_self, chain_ptr, chain_cols, chain_w):
    """Chain that follows one row per state (``chosen_row[s]``; a negative entry: no row, all mass leaks)."""
    n = 0
    for s in range(S):
        chain_ptr[s] = n
        r = chosen_row[s]
        if r >= 0:
            if row_self[r] > 0.0:
                chain_cols[n] = s
                chain_w[n] = row_self[r]
                n += 1
            for k in range(row_ptr[r], row_ptr[r + 1]):
                chain_cols[n] = cols[k]
                chain_w[n] = probs[k]
                n += 1
    chain_ptr[S] = n


@njit(cache=True)
def _mixed_joint_chain(
    b,
    S,
    state_ptr,
    row_agent_action,
    source,
    masks,
    dense,
    row_ptr,
    cols,
    probs,
    row_self,
    joint_row,
    chain_ptr,
    chain_cols,
    chain_w,
):
    """Chain of fixed policies of which some mix somewhere: states where all pick one joint row
    (``joint_row >= 0``) are copied in place, only the mixed ones (-2) are summed and merged.
    A joint row's weight is the product of the agents' probabilities, in agent order."""
    n = 0
    num_agents = row_agent_action.shape[1]
    for s in range(S):
        chain_ptr[s] = n
        one = joint_row[s]
        if one >= 0:
            if row_self[one] > 0.0:
                chain_cols[n] = s
                chain_w[n] = row_self[one]
                n += 1
            for k in range(row_ptr[one], row_ptr[one + 1]):
                chain_cols[n] = cols[k]
                chain_w[n] = probs[k]
                n += 1
            continue
        if one == -1:
            continue
        start = n
        for r in range(state_ptr[s], state_ptr[s + 1]):
            w = 1.0
            for i in range(num_agents):
                w *= _agent_weight(b, s, i, row_agent_action[r, i], source, masks, dense)
            if w > 0.0:
                n = _add_row(r, w, row_ptr, cols, probs, row_self, s, chain_cols, chain_w, n)
        n = _merge_row(chain_cols, chain_w, start, n)
    chain_ptr[S] = n


@njit(cache=True)
def _joint_policy_sample(
    b,
    state_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    row_agent_action,
    row_index,
    action_shape,
    strides,
    num_joint,
    source,
    masks,
    dense,
    rewards,
    gamma,
    tol,
    max_iter,
    values_out,
    cont_out,
    iters_out,
    bound_out,
    V,
    joint_row,
    chain_ptr,
    chain_cols,
    chain_w,
    iwork,
    fwork,
):
    S = rewards.shape[1]
    R = rewards[b]
    if _joint_rows(b, S, action_shape, strides, num_joint, row_index, source, masks, dense, joint_row):
        _mixed_joint_chain(
            b,
            S,
            state_ptr,
            row_agent_action,
            source,
            masks,
            dense,
            row_ptr,
            cols,
            probs,
            row_self,
            joint_row,
            chain_ptr,
            chain_cols,
            chain_w,
        )
    else:
        _rows_chain(S, joint_row, row_ptr, cols, probs, row_self, chain_ptr, chain_cols, chain_w)
    for s in range(S):
        V[s] = R[s] / (1.0 - gamma)
    it, bound, longest = _evaluate_chain(chain_ptr, chain_cols, chain_w, R, gamma, V, tol, max_iter, iwork, fwork)
    residual = 0.0
    magnitude = 0.0
    value_max = 0.0
    terms = 1
    for s in range(S):
        acc = 0.0
        for k in range(chain_ptr[s], chain_ptr[s + 1]):
            acc += chain_w[k] * V[chain_cols[k]]
        cont_out[b, s] = acc
        values_out[b, s] = V[s]
        residual = max(residual, abs(R[s] + gamma * acc - V[s]))
        magnitude = max(magnitude, abs(R[s]))
        value_max = max(value_max, abs(V[s]))
        terms = max(terms, chain_ptr[s + 1] - chain_ptr[s])
    iters_out[b] = it
    bound_out[b] = residual_bound(residual, terms, magnitude, value_max, gamma, bound, longest)


@njit(cache=True, parallel=True, fastmath=False)
def joint_policy_values(
    state_ptr,
    row_ptr,
    cols,
    probs,
    row_self,
    row_agent_action,
    row_index,
    action_shape,
    strides,
    num_joint,
    source,
    masks,
    dense,
    rewards,
    gamma,
    tol,
    max_iter,
    num_blocks,
    values_out,
    cont_out,
    iters_out,
    bound_out,
):
    """Values of fixed policies of every agent on a joint MDP.

    Agent ``i``'s policy is per sample (tie masks ``masks[source[i]] [B, S]``, when
    ``source[i] >= 0``) or one shared stochastic policy ``dense[-1 - source[i]] [S, A_i]``
    (zero-padded to the widest agent). The chain of sample ``b`` is
    ``sum_a prod_i pi_i(a_i|s) P(.|s,a)`` over the joint rows (absent joint actions contribute
    nothing), the product taken in agent order. ``row_agent_action [rows, n]`` holds each
    row's actions; ``row_index [S * num_joint]`` each (state, flat joint action)'s row or -1.
    ``cont_out`` is ``sum P V`` under that chain, so POWER is ``(1 - gamma) * cont_out``.
    """
    B, S = rewards.shape
    nnz_total = cols.shape[0] + row_self.shape[0]
    for j in prange(num_blocks):
        V = np.empty(S)
        joint_row = np.empty(S, dtype=np.int64)
        chain_ptr, chain_cols, chain_w, iwork, fwork = _chain_scratch(S, nnz_total)
        for b in range((B * j) // num_blocks, (B * (j + 1)) // num_blocks):
            _joint_policy_sample(
                b,
                state_ptr,
                row_ptr,
                cols,
                probs,
                row_self,
                row_agent_action,
                row_index,
                action_shape,
                strides,
                num_joint,
                source,
                masks,
                dense,
                rewards,
                gamma,
                tol,
                max_iter,
                values_out,
                cont_out,
                iters_out,
                bound_out,
                V,
                joint_row,
                chain_ptr,
                chain_cols,
                chain_w,
                iwork,
                fwork,
            )


# ----------------------------------------------------------------------------------------
# Counter-optimisation rounds: hashes of joint policy profiles.
# ----------------------------------------------------------------------------------------

#: Seeds of the two independent 64-bit hash chains of :func:`profile_hashes`.
PROFILE_HASH_SEEDS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xD1B54A32D192ED03))


@njit(cache=True, parallel=True, error_model="numpy")
def mask_probabilities(masks, out):
    """Tie masks ``[N]`` (uint64) as policies ``out [N, A]``: each set bit over the bits set (a
    mask without bits gives nan, as 0/0). The operations of ``bits / bits.sum()`` elementwise
    (the sum of 0s and 1s is exact), in one parallel pass instead of numpy's temporaries."""
    one = np.uint64(1)
    A = out.shape[1]
    for i in prange(masks.shape[0]):
        m = masks[i]
        count = 0.0
        for a in range(A):
            count += float((m >> np.uint64(a)) & one)
        for a in range(A):
            out[i, a] = float((m >> np.uint64(a)) & one) / count


@njit(cache=True)
def _mix64(z):
    # splitmix64's finaliser: a bijection of 64-bit words with full avalanche.
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, parallel=True)
def profile_hashes(masks, seed_a, seed_b, out):
    """Two independent 64-bit hashes of each sample's joint policy profile.

    ``masks [n, B, S]`` uint64 (every agent's policy words); ``out [B, 2]`` uint64. Each hash
    is the sum (mod 2**64) over the profile's words of a multiply-xorshift mix of the word
    keyed by its position and the hash's seed (two different mixes): equal profiles give
    equal hashes, and a change of any words changes both sums unless their mixes' changes
    cancel twice over; the words are mixed independently, so the loop does not wait on a
    chain.
    """
    n, B, S = masks.shape
    step = np.uint64(0x9E3779B97F4A7C15)
    for b in prange(B):
        ha = np.uint64(0)
        hb = np.uint64(0)
        for i in range(n):
            base = np.uint64(i * S)
            for s in range(S):
                w = masks[i, b, s]
                position = (base + np.uint64(s) + np.uint64(1)) * step
                x = (w ^ position ^ seed_a) * np.uint64(0xBF58476D1CE4E5B9)
                y = ((w + position) ^ seed_b) * np.uint64(0x94D049BB133111EB)
                ha += x ^ (x >> np.uint64(31))
                hb += y ^ (y >> np.uint64(29))
        out[b, 0] = ha
        out[b, 1] = hb
