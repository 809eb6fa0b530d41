-- The seed story's fake personal data in MySQL syntax (every value is invented).
CREATE TABLE users (
  id          bigint AUTO_INCREMENT PRIMARY KEY,
  email       varchar(255) NOT NULL UNIQUE,
  name        text NOT NULL,
  name_kana   text,
  phone       text,
  address     text,
  postal_code text,
  birth_date  date
);

CREATE TABLE orders (
  id          bigint AUTO_INCREMENT PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES users(id),
  ordered_at  timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  total_yen   integer NOT NULL,
  shipping_address text,
  note        text
);

INSERT INTO users (email, name, name_kana, phone, address, postal_code, birth_date) VALUES
  ('taro.yamada@example.com',   '山田 太郎', 'ヤマダ タロウ', '090-1234-5678', '東京都千代田区千代田1-1',   '100-0001', '1985-04-12'),
  ('hanako.sato@example.com',   '佐藤 花子', 'サトウ ハナコ', '080-2345-6789', '大阪府大阪市北区梅田2-2',   '530-0001', '1990-11-03'),
  ('ichiro.suzuki@example.com', '鈴木 一郎', 'スズキ イチロウ', '070-3456-7890', '愛知県名古屋市中区栄3-3', '460-0008', '1978-07-21'),
  ('yuki.tanaka@example.com',   '田中 由紀', 'タナカ ユキ',   '090-4567-8901', '福岡県福岡市博多区博多駅前4-4', '812-0011', '2001-01-30'),
  ('ken.ito@example.com',       '伊藤 健',   'イトウ ケン',   '080-5678-9012', '北海道札幌市中央区北5条西5-5', '060-0005', '1969-09-09');

INSERT INTO orders (user_id, total_yen, shipping_address, note) VALUES
  (1, 12800, '東京都千代田区千代田1-1', '置き配希望'),
  (1,  3400, '東京都千代田区千代田1-1', NULL),
  (2, 56000, '大阪府大阪市北区梅田2-2', '電話 080-2345-6789 に連絡'),
  (3,  9900, '愛知県名古屋市中区栄3-3', NULL),
  (4,  1500, '福岡県福岡市博多区博多駅前4-4', 'ギフト包装'),
  (5, 22000, '北海道札幌市中央区北5条西5-5', NULL);
