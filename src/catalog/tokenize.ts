/** Words too common in tool descriptions or requests to tell tools apart. */
const STOP_WORDS = new Set(
  (
    "a about above after again all also am an and any are as at be been before being below between both but by " +
    "can could did do does doing during each few for from further get gets had has have having he her here hers " +
    "him his how i if in into is it its itself just let lets me more most my myself no nor not now of off on once " +
    "only or other our ours out over own please same she should so some such than that the their theirs them " +
    "then there these they this those through to too under until up use used uses using very via was we were " +
    "what when where which while who whom why will with would you your yours help tell want need like " +
    "https http www com"
  ).split(" "),
);

// Han, Hiragana, Katakana and Hangul are written without spaces: they are indexed as overlapping bigrams.
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUNS = /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+)/u;

const PLAIN = /^[a-z]+$/;

/** Overlapping character bigrams of a CJK run (`天气预报` → 天气, 气预, 预报); a lone character stays. */
export function cjkBigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length < 2) return chars;
  const out: string[] = [];
  for (let i = 0; i < chars.length - 1; i++) out.push(`${chars[i]}${chars[i + 1]}`);
  return out;
}

/**
 * Splits identifiers and prose into lowercase words: on anything that is not a letter or digit, inside
 * identifiers on camelCase and letter/digit boundaries (`getHTTPStatus2` → get, http, status, 2), and CJK
 * text into bigrams. Accents are folded (`météo` → meteo).
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!chunk) continue;
    // Most words of descriptions are plain lowercase: skip the boundary regexes for them.
    if (PLAIN.test(chunk)) {
      words.push(chunk);
      continue;
    }
    for (const piece of CJK.test(chunk) ? chunk.split(CJK_RUNS) : [chunk]) {
      if (!piece) continue;
      if (CJK.test(piece)) {
        words.push(...cjkBigrams(piece));
        continue;
      }
      const parts = piece
        .replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2")
        .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
        .replace(/(\p{L})(\p{N})/gu, "$1 $2")
        .replace(/(\p{N})(\p{L})/gu, "$1 $2")
        .split(" ");
      for (const part of parts) if (part) words.push(fold(part.toLowerCase()));
    }
  }
  return words;
}

function fold(word: string): string {
  return /[\u00c0-\u024f]/.test(word) ? word.normalize("NFD").replace(/\p{M}/gu, "") : word;
}

// Words the Porter rules would merge with unrelated ones (news → new, https → http) or split from their kin.
const STEM_EXCEPTIONS: Record<string, string> = {
  news: "news",
  analysis: "analyz",
  analyses: "analyz",
  analyse: "analyz",
  analysed: "analyz",
  analysing: "analyz",
  data: "data",
  species: "species",
  series: "series",
};

const STEP2: Record<string, string> = {
  ational: "ate",
  tional: "tion",
  enci: "ence",
  anci: "ance",
  izer: "ize",
  bli: "ble",
  alli: "al",
  entli: "ent",
  eli: "e",
  ousli: "ous",
  ization: "ize",
  ation: "ate",
  ator: "ate",
  alism: "al",
  iveness: "ive",
  fulness: "ful",
  ousness: "ous",
  aliti: "al",
  iviti: "ive",
  biliti: "ble",
  logi: "log",
};
const STEP3: Record<string, string> = {
  icate: "ic",
  ative: "",
  alize: "al",
  iciti: "ic",
  ical: "ic",
  ful: "",
  ness: "",
};
const C = "[^aeiou][^aeiouy]*";
const V = "[aeiouy][aeiou]*";
const M_GT0 = new RegExp(`^(${C})?${V}${C}`);
const M_EQ1 = new RegExp(`^(${C})?${V}${C}(${V})?$`);
const M_GT1 = new RegExp(`^(${C})?${V}${C}${V}${C}`);
const HAS_VOWEL = new RegExp(`^(${C})?[aeiouy]`);
const CVC = new RegExp(`^${C}[aeiouy][^aeiouwxy]$`);

// A catalog has a few thousand distinct words but a million occurrences at 10,000 tools: remember stems.
const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 100_000;

/** The Porter (1980) stemmer, so `files`, `filing` and `file` (and `generation`, `generate`) meet. */
export function stem(word: string): string {
  const cached = stemCache.get(word);
  if (cached !== undefined) return cached;
  if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
  const result = porter(word);
  stemCache.set(word, result);
  return result;
}

function porter(word: string): string {
  const exception = STEM_EXCEPTIONS[word];
  if (exception) return exception;
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word[0] === "y" ? `Y${word.slice(1)}` : word;
  w = step1(w);
  const m2 = STEP2_RE.exec(w);
  if (m2 && M_GT0.test(m2[1] as string)) w = `${m2[1]}${STEP2[m2[2] as string]}`;
  const m3 = /^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$/.exec(w);
  if (m3 && M_GT0.test(m3[1] as string)) w = `${m3[1]}${STEP3[m3[2] as string]}`;
  w = step4(w);
  const m5 = /^(.+?)e$/.exec(w);
  if (m5) {
    const s = m5[1] as string;
    if (M_GT1.test(s) || (M_EQ1.test(s) && !CVC.test(s))) w = s;
  }
  if (/ll$/.test(w) && M_GT1.test(w)) w = w.slice(0, -1);
  return w[0] === "Y" ? `y${w.slice(1)}` : w;
}

const STEP2_RE =
  /^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$/;

/** Plurals, -ed/-ing, and y → i. */
function step1(word: string): string {
  let w = word;
  const plural = /^(.+?)(ss|i)es$/.exec(w) ?? /^(.+?)([^s])s$/.exec(w);
  if (plural) w = `${plural[1]}${plural[2]}`;
  const eed = /^(.+?)eed$/.exec(w);
  const edIng = eed ? null : /^(.+?)(ed|ing)$/.exec(w);
  if (eed) {
    if (M_GT0.test(eed[1] as string)) w = w.slice(0, -1);
  } else if (edIng && HAS_VOWEL.test(edIng[1] as string)) {
    w = edIng[1] as string;
    if (/(at|bl|iz)$/.test(w)) w += "e";
    else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
    else if (CVC.test(w)) w += "e";
  }
  const y = /^(.+?)y$/.exec(w);
  if (y && HAS_VOWEL.test(y[1] as string)) w = `${y[1]}i`;
  return w;
}

/** Drops -al, -ance, -ment, -ion … when enough of the word remains. */
function step4(w: string): string {
  const m = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/.exec(w);
  if (m) return M_GT1.test(m[1] as string) ? (m[1] as string) : w;
  const ion = /^(.+?)(s|t)(ion)$/.exec(w);
  return ion && M_GT1.test(`${ion[1]}${ion[2]}`) ? `${ion[1]}${ion[2]}` : w;
}

/** Whether a word carries no meaning for search. */
export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Tokens for indexing and querying: split, stop words dropped, stemmed. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(text)) if (!STOP_WORDS.has(word)) out.push(stem(word));
  return out;
}

/**
 * Words that name the same thing in tool catalogs, including a few common non-English words and file
 * extensions, so a request phrased differently from the tool's description still finds it. Generic
 * vocabulary of the tool domain, not tuned to particular tools.
 */
const SYNONYM_GROUPS: readonly string[] = [
  "weather forecast rain snow temperature climate humidity wind meteo wetter clima tiempo 天气 气象 预报 天気",
  "presentation powerpoint ppt pptx slide slides deck keynote präsentation presentacion diapositiva 演示 幻灯片 幻灯",
  "document word docx doc dokument documento 文档 文件",
  "spreadsheet excel xlsx xls workbook sheet tabelle hoja 表格",
  "markdown md",
  "pdf",
  "stock stocks share shares equity ticker aktie aktien accion acciones bourse 股票 股价",
  "price prices cost quote valuation preis prix precio 价格",
  "file files datei fichier archivo 文件",
  "folder directory dir ordner dossier carpeta 目录 文件夹",
  "read open view load lesen lire leer 读取 阅读 打开",
  "write save store persist schreiben speichern ecrire enregistrer escribir guardar 写入 保存",
  "create make new generate build add erstellen creer crear 创建 生成 新建",
  "delete remove erase drop loschen supprimer eliminar borrar 删除",
  "search find lookup query look seek suchen chercher rechercher buscar 搜索 查询 查找 检索",
  "image picture photo png jpg jpeg bild foto imagen 图片 图像 照片",
  "screenshot capture snapshot 截图 截屏",
  "website webpage web page url site browser 网页 网站 浏览器",
  "news headlines nachrichten nouvelles actualites noticias 新闻 资讯",
  "trending trend trends popular hot ranking rank 热搜 热门 热榜 排行",
  "route directions navigation navigate itinerary 路线 导航",
  "time clock timezone zeit heure hora 时间",
  "date today calendar day 日期 日历",
  "train rail railway zug tren 火车 列车 高铁 铁路",
  "ticket tickets booking fahrkarte billet boleto 票 车票 火车票",
  "recipe recipes cook cooking dish dishes meal meals food rezept recette receta 菜谱 食谱 做菜",
  "chart graph plot visualize visualization diagram 图表",
  "crypto cryptocurrency bitcoin btc ethereum eth coin 加密货币 比特币",
  "paper papers article articles publication research arxiv 论文 文章",
  "repository repo git",
  "package library dependency dependencies module npm 库",
  "calculate compute calculation math arithmetic evaluate 计算",
  "random randomly shuffle 随机",
  "convert conversion transform export 转换",
  "summary summarize overview abstract 摘要 总结",
  "video youtube 视频",
  "music audio song track sound 音乐 音频",
  "location place address position 地点 地址 位置",
  "nearby near around close 附近",
  "homestay hotel lodging accommodation apartment rental airbnb 住宿 酒店 民宿",
  "buy shopping deal deals discount purchase 购物 优惠",
  "domain whois dns",
  "process terminal shell command",
  "translate translation 翻译",
];

let synonymIndex: Map<string, readonly string[]> | undefined;

function buildSynonymIndex(): Map<string, readonly string[]> {
  const index = new Map<string, Set<string>>();
  for (const group of SYNONYM_GROUPS) {
    const stems = [...new Set(group.split(" ").flatMap((w) => tokenize(w)))];
    for (const s of stems) {
      const set = index.get(s) ?? new Set<string>();
      for (const other of stems) if (other !== s) set.add(other);
      index.set(s, set);
    }
  }
  return new Map([...index].map(([k, v]) => [k, [...v]]));
}

/** Stems that mean the same as `term` (a stem), excluding itself. */
export function synonyms(term: string): readonly string[] {
  synonymIndex ??= buildSynonymIndex();
  return synonymIndex.get(term) ?? [];
}
