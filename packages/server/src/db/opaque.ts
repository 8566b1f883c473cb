// Parameters the planner may not look into.
//
// postgres.js prepares every statement, and so does PGlite (pglite-statements.ts). PostgreSQL keeps a
// prepared statement's generic plan only if it is estimated no dearer than the custom plans of its
// first five runs. Where a parameter's value makes a custom plan look cheaper (a page of one id, a
// limit of 1, an anonymous viewer), it plans every call anew, and the planning can cost several times
// the run: 2.3 ms of PostgreSQL's CPU per post where the statement ran in 0.27 ms (BENCHMARKS.md
// "Planned once"). Behind a scalar subquery the value is unknown to both kinds of plan, which then cost
// the same, and the generic plan is kept. The test of it reads pg_prepared_statements
// (test/domain/query-plans.test.ts).

/**
 * `param` (`$n`) as a value of `type` the planner cannot see. The outer cast keeps it an expression of
 * that type: `x = any(...)` of it stays an array comparison, not `= any (subquery)`.
 */
export const opaque = (param: string, type: string) => `(select ${param}::${type})::${type}`;
