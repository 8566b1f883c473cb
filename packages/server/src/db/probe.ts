// EXISTS checks that stay one index probe per row.
//
// An EXISTS correlated to the outer row by an equality may be planned as a hashed subplan: the inner
// rows for the parameters alone read and hashed once per statement, then looked up per outer row. For
// a check over a viewer's history (their favourites, their statuses, the accounts they follow, the
// posts that mention them) that is a read of the whole history for every page. A generic plan sized
// for the average account makes that choice for every account, and a viewer with 9,121 statuses and
// 4,024 favourites paid 4 to 7 ms for a page's flags that cost others 0.6 ms (BENCHMARKS.md, "One
// statement per home page"). With OFFSET 0 PostgreSQL cannot simplify the subquery into that form
// (simplify_EXISTS_query gives up on an OFFSET), so it runs as a probe of an index per outer row: the
// cost follows the page, not the viewer's history. For checks over a page's few rows, not over scans.

/** `exists (subquery)`, run per outer row, never hashed. */
export const probe = (subquery: string) => `exists (${subquery} offset 0)`;
