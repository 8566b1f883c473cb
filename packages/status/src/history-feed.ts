// The incident history as an Atom 1.0 feed (/history.atom), for feed readers. A pure function of the
// stored incidents.
import type { PageInfo } from './statuspage-json.js';
import type { Incident } from './store.js';

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Atom 1.0 feed, one entry per incident, newest first; content is escaped HTML of its updates. */
export function atomFeed(p: PageInfo, incidents: Incident[]): string {
  const updated = incidents[0]?.updatedAt ?? p.updatedAt;
  const entries = incidents.map((i) => {
    const html = i.updates.map((u) => `<p><small>${u.createdAt.toISOString()}</small><br><strong>${u.status}</strong> - ${u.body.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!).replace(/\n/g, '<br>')}</p>`).join('');
    return `  <entry>
    <id>tag:${new URL(p.url).host},2025:Incident/${i.id}</id>
    <published>${i.createdAt.toISOString()}</published>
    <updated>${i.updatedAt.toISOString()}</updated>
    <link rel="alternate" type="text/html" href="${xml(`${p.url}/incidents/${i.id}`)}"/>
    <title>${xml(i.name)}</title>
    <content type="html">${xml(html)}</content>
  </entry>`;
  }).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <id>tag:${new URL(p.url).host},2025:/history</id>
  <link rel="alternate" type="text/html" href="${xml(p.url)}"/>
  <link rel="self" type="application/atom+xml" href="${xml(`${p.url}/history.atom`)}"/>
  <title>${xml(p.name)} status - incident history</title>
  <updated>${updated.toISOString()}</updated>
  <author><name>${xml(p.name)}</name></author>
${entries}
</feed>
`;
}
