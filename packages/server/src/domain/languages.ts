// Languages a status may be written in, as Mastodon knows them: ISO 639-1 codes, other ISO 639
// codes of two or three letters, and the regional variants Mastodon lists (LanguagesHelper's
// ISO_639_1_REGIONAL: `zh-TW`, `pt-BR`...), kept in Mastodon's spelling.

const ISO_639_1 = ('aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo '
  + 'fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt '
  + 'lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq '
  + 'sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu').split(' ');

export const REGIONAL = ['es-AR', 'es-MX', 'pt-BR', 'pt-PT', 'sr-Latn', 'zh-CN', 'zh-HK', 'zh-TW'];

const regionalByLowerCase = new Map(REGIONAL.map((code) => [code.toLowerCase(), code]));

/** A language code as stored (lower case, regional variants in Mastodon's spelling), or null if it is not one. */
export function normalizeLanguage(code: string): string | null {
  const lower = code.toLowerCase();
  if (/^[a-z]{2,3}$/.test(lower)) return lower;
  return regionalByLowerCase.get(lower) ?? null;
}

let named: Array<{ code: string; name: string }> | undefined;

/** GET /api/v1/instance/languages: every ISO 639-1 language and regional variant, with its English name. */
export function languageList(): Array<{ code: string; name: string }> {
  if (!named) {
    const names = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });
    named = [...ISO_639_1, ...REGIONAL].map((code) => ({ code, name: names.of(code) ?? code }));
  }
  return named;
}
