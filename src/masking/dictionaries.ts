/**
 * Fixed lists the name, kana and address transforms pick from, indexed by the
 * digest of the original value (keys.ts). Changing a list changes every masked value:
 * treat these as part of the masking format. Every entry is plain text
 * without quotes so it can be inlined as an SQL literal.
 */
export const FAMILY_JA = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤', '吉田', '山田', '佐々木', '山口', '松本', '井上', '木村', '林', '斎藤', '清水', '山崎', '森', '池田', '橋本', '阿部', '石川', '山下', '中島', '石井', '小川', '前田', '岡田'];
export const GIVEN_JA = ['翔', '蓮', '大翔', '陽翔', '悠真', '湊', '樹', '大和', '陽菜', '結衣', '葵', '凛', '美咲', 'さくら', '花子', '太郎', '健', '誠', '愛', '優', '恵', '彩', '直樹', '拓海', '真央', '千尋', '結菜', '颯太', '奏', '芽衣', '悠人', '美優'];
export const FAMILY_KANA = ['サトウ', 'スズキ', 'タカハシ', 'タナカ', 'イトウ', 'ワタナベ', 'ヤマモト', 'ナカムラ', 'コバヤシ', 'カトウ', 'ヨシダ', 'ヤマダ', 'ササキ', 'ヤマグチ', 'マツモト', 'イノウエ', 'キムラ', 'ハヤシ', 'サイトウ', 'シミズ', 'ヤマザキ', 'モリ', 'イケダ', 'ハシモト', 'アベ', 'イシカワ', 'ヤマシタ', 'ナカジマ', 'イシイ', 'オガワ', 'マエダ', 'オカダ'];
export const GIVEN_KANA = ['ショウ', 'レン', 'ヒロト', 'ハルト', 'ユウマ', 'ミナト', 'イツキ', 'ヤマト', 'ヒナ', 'ユイ', 'アオイ', 'リン', 'ミサキ', 'サクラ', 'ハナコ', 'タロウ', 'ケン', 'マコト', 'アイ', 'ユウ', 'メグミ', 'アヤ', 'ナオキ', 'タクミ', 'マオ', 'チヒロ', 'ユナ', 'ソウタ', 'カナデ', 'メイ', 'ユウト', 'ミユ'];
export const FAMILY_LATIN = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Martin', 'Lee', 'Walker', 'Hall', 'Allen', 'Young', 'King', 'Wright'];
export const GIVEN_LATIN = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Casey', 'Morgan', 'Riley', 'Jamie', 'Avery', 'Quinn', 'Robin', 'Drew', 'Kim', 'Lee', 'Pat', 'Sky'];
export const PREFECTURES = ['東京都', '大阪府', '京都府', '北海道', '神奈川県', '愛知県', '福岡県', '兵庫県', '埼玉県', '千葉県', '静岡県', '広島県', '宮城県', '新潟県', '長野県', '沖縄県'];
/**
 * First three digits of the real postal codes of each prefecture of PREFECTURES
 * (same order): [lowest, highest]. postal-code { of: address } draws from the
 * range of the masked address's prefecture.
 */
export const POSTAL_PREFIXES: ReadonlyArray<readonly [number, number]> = [
  [100, 208], [530, 599], [600, 629], [1, 99], [210, 259], [440, 498], [800, 839], [650, 679],
  [330, 369], [260, 299], [410, 439], [720, 739], [980, 989], [940, 959], [380, 399], [900, 907]
];
export const TOWNS = ['架空市中央', '仮名市本町', '見本市緑町', '試験市栄町', '例示市旭町', '模擬市若葉', '匿名市桜台', '代替市港町'];

/** Longest entry (in characters) of a list: the schema check compares it with varchar(n). */
export function longest(list: readonly string[]): number {
  return Math.max(...list.map(s => [...s].length));
}
