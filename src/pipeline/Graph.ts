/**
 * Graph helpers for the step dependency graph; iterative, so a pipeline of thousands of steps in a
 * chain cannot overflow the stack, and linear in steps plus edges.
 */

/**
 * Finds cycles in a graph given as `dependencies[node]` (the nodes `node` reads from). Each cycle is
 * listed as the nodes along it, in dependency order, starting and ending at the same node. Every
 * node that lies on some cycle belongs to at least one strongly connected part that is reported.
 */
export const findCycles = (dependencies: ReadonlyArray<ReadonlyArray<number>>): Array<Array<number>> => {
  const n = dependencies.length
  const state = new Uint8Array(n) // 0: unvisited, 1: on the current path, 2: done
  const positionOnPath = new Int32Array(n).fill(-1)
  const cycles: Array<Array<number>> = []
  const path: Array<number> = []
  const nextEdge: Array<number> = []
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue
    state[root] = 1
    positionOnPath[root] = 0
    path.push(root)
    nextEdge.push(0)
    while (path.length > 0) {
      const top = path.length - 1
      const node = path[top] ?? 0
      const edges = dependencies[node] ?? []
      const edgeIndex = nextEdge[top] ?? 0
      if (edgeIndex < edges.length) {
        nextEdge[top] = edgeIndex + 1
        const next = edges[edgeIndex] ?? 0
        if (state[next] === 0) {
          state[next] = 1
          positionOnPath[next] = path.length
          path.push(next)
          nextEdge.push(0)
        } else if (state[next] === 1) {
          // `node` depends on `next`, which is on the path below it: the path segment is a cycle.
          const segment = path.slice(positionOnPath[next] ?? 0)
          // Report in dependency order: each node is used by the one after it.
          cycles.push([...segment, next].reverse())
        }
      } else {
        state[node] = 2
        positionOnPath[node] = -1
        path.pop()
        nextEdge.pop()
      }
    }
  }
  return cycles
}

/** Inverts `dependencies[node]` into `dependents[node]` (the nodes that read from `node`). */
export const invert = (dependencies: ReadonlyArray<ReadonlyArray<number>>): Array<Array<number>> => {
  const dependents: Array<Array<number>> = dependencies.map(() => [])
  dependencies.forEach((deps, node) => {
    for (const dep of deps) dependents[dep]?.push(node)
  })
  return dependents
}
