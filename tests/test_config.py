"""config.yaml: validation messages name the key, the value and what is expected."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from duluan.config import ConfigError, load_config, masked_dump, parse_config
from duluan.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
locality: {province: Tỉnh Kon Tum, district: Huyện Đăk Hà}
sources:
  - name: vnexpress
    title: VnExpress
    feeds: [https://vnexpress.net/rss/tin-moi-nhat.rss]
"""


def problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "test.yaml", env or {})
    return caught.value.problems


def test_minimal_config_gets_defaults() -> None:
    config = parse_config(MINIMAL, "test.yaml", {}).config
    source = config.source("vnexpress")
    assert source.interval == timedelta(minutes=10)
    assert source.fetch_pages is True
    assert config.crawl.backfill_after == timedelta(hours=48)
    assert config.crawl.agent.startswith("duluan/")
    assert config.schedule.digest == "thu 14:00"


def test_bad_duration_names_path_value_and_expectation() -> None:
    text = MINIMAL + "    interval: 5 phút\n"
    (message,) = problems(text)
    assert message.startswith("sources[0].interval: '5 phút'")
    assert "10m" in message
    assert "không phải khoảng thời gian" in message and "is not a duration" in message


def test_every_problem_is_reported_at_once() -> None:
    text = """
locality: {province: Tỉnh Kon Tum}
crawl: {timeout: soon, retries: many}
sources:
  - name: Bad Name
    title: X
    feeds: [ftp://example.org/feed]
    listings: [{url: https://a.vn/x, article_pattern: '(unclosed'}]
  - name: empty
    title: Nothing to crawl
"""
    found = problems(text)
    joined = "\n".join(found)
    assert "locality.district: thiếu khóa bắt buộc / required key is missing" in joined
    assert "crawl.timeout: 'soon'" in joined
    assert "crawl.retries: 'many' phải là số nguyên" in joined
    assert "sources[0].name: 'Bad Name'" in joined
    assert "sources[0].feeds[0]: 'ftp://example.org/feed'" in joined
    assert "sources[0].listings[0].article_pattern: '(unclosed'" in joined
    assert "sources[1]: cần ít nhất một trong feeds, sitemaps, listings, search" in joined
    assert len(found) == 7


def test_unknown_key_is_named_as_a_typo() -> None:
    (message,) = problems(MINIMAL + "    feeeds: []\n")
    assert message.startswith("sources[0].feeeds:")
    assert "unknown key" in message


def test_duplicate_source_names() -> None:
    text = MINIMAL + "  - {name: vnexpress, title: Again, feeds: [https://x.vn/rss]}\n"
    (message,) = problems(text)
    assert "'vnexpress' bị trùng" in message


def test_bad_css_selector_and_page_template() -> None:
    text = (
        MINIMAL
        + "    extract: {body: 'div[[['}\n"
        + "    listings: [{url: https://a.vn/x, article_pattern: x, page_url: https://a.vn/p}]\n"
    )
    joined = "\n".join(problems(text))
    assert "sources[0].extract.body: 'div[[['" in joined
    assert "không phải bộ chọn CSS" in joined
    assert "sources[0].listings[0].page_url" in joined and "{page}" in joined


def test_yaml_syntax_error_has_line_number() -> None:
    (message,) = problems("locality: [unclosed\nsources: x\n")
    assert "YAML" in message and "dòng/line" in message


def test_env_reference_resolved_and_masked() -> None:
    text = MINIMAL + "review: {chat: 'env:REVIEW_CHAT', reviewers: [1]}\n"
    env = {"REVIEW_CHAT": "-1009876543210", "TELEGRAM_BOT_TOKEN": "123:secret-token-value"}
    loaded = parse_config(text, "t.yaml", env)
    assert loaded.config.review.chat == "-1009876543210"
    dump = masked_dump(loaded, Runtime.from_environ(env).describe())
    assert "-1009876543210" not in dump
    assert "secret-token-value" not in dump
    assert "-1***10" in dump


TOKEN = "q3H_x9-LmT2vR8kZpW4nYc7sJ1bGfD6a"  # 32 random characters


def test_secrets_are_masked_by_their_type_even_when_written_in_the_file() -> None:
    """No list of paths: a `Secret` field is masked wherever it sits, and only it (a value
    written in the file that is not a secret stays readable)."""
    text = MINIMAL + f"web: {{secret: '{TOKEN}', host: 0.0.0.0}}\n"
    loaded = parse_config(text, "t.yaml", {})
    assert loaded.secret_paths == frozenset()  # nothing came from env:
    dump = masked_dump(loaded, Runtime().describe())
    assert TOKEN not in dump and f"{TOKEN[:2]}***{TOKEN[-2:]}" in dump
    assert "host: 0.0.0.0" in dump


def test_runtime_reads_the_environment_once_and_masks_the_token() -> None:
    env = {
        "DULUAN_CONFIG": "/etc/duluan.yaml",
        "DULUAN_DATABASE_URL": "postgresql://u:mat-khau@db/duluan",
        "TELEGRAM_BOT_TOKEN": "123456:bi-mat-cua-bot",
        "DULUAN_NOW": "2026-11-26T10:00:00",
    }
    runtime = Runtime.from_environ(env)
    env.clear()  # a copy was taken: later changes of the environment change nothing
    assert runtime.config_path == "/etc/duluan.yaml"
    assert runtime.database_url == "postgresql+psycopg://u:mat-khau@db/duluan"
    assert runtime.token == "123456:bi-mat-cua-bot" and not runtime.console
    assert runtime.now().isoformat() == "2026-11-26T10:00:00+07:00"
    shown = repr(runtime) + str(runtime.describe())
    assert "bi-mat-cua-bot" not in shown and "mat-khau" not in shown
    assert Runtime.from_environ({}).console
    assert Runtime.from_environ({}).database_url == "sqlite:///./data/duluan.sqlite3"


def test_review_and_telegram_settings() -> None:
    text = MINIMAL + (
        "review: {chat: '-1001', deadline_days: 3, reminder_at: '07:30', holidays: [2026-12-31]}\n"
        "telegram: {mode: webhook, webhook_url: 'https://duluan.example.vn/tg',"
        " secret_token: 'env:TG_SECRET'}\n"
    )
    env = {"TG_SECRET": TOKEN}
    loaded = parse_config(text, "t.yaml", env)
    review = loaded.config.review
    assert (review.deadline_days, review.reminder_at) == (3, "07:30")
    assert [d.isoformat() for d in review.holidays] == ["2026-12-31"]
    secret = loaded.config.telegram.secret_token
    assert secret is not None and secret.get_secret_value() == TOKEN
    assert TOKEN not in repr(loaded.config)  # a secret never reaches a log line by repr
    assert TOKEN not in masked_dump(loaded, Runtime().describe()) and not loaded.warnings
    bad = MINIMAL + "review: {reminder_at: '25:00'}\ntelegram: {mode: webhook}\n"
    found = problems(bad)
    assert any(p.startswith("review.reminder_at: ") and "08:00" in p for p in found)
    assert any(p.startswith("telegram: ") and "webhook_url" in p for p in found)


WEBHOOK = MINIMAL + "telegram: {mode: webhook, webhook_url: 'https://duluan.example.vn/tg'%s}\n"


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ("", "chế độ webhook cần secret_token"),
        (", secret_token: 'env:TG_SECRET'", "biến môi trường TG_SECRET chưa được đặt"),
        (", secret_token: bi-mat-123", "quá ngắn (10 ký tự), cần ít nhất 32"),
        (", secret_token: '" + TOKEN[:31] + "'", "quá ngắn (31 ký tự)"),
        (", secret_token: '" + "a" * 40 + "'", "không ngẫu nhiên"),
        (", secret_token: '" + "aB3_9xZ-" * 5 + "'", "không ngẫu nhiên"),  # 8 different, repeated
        (", secret_token: '" + "ab" * 20 + "'", "không ngẫu nhiên"),
        (", secret_token: '" + TOKEN + "!'", "A-Z a-z 0-9 _ -"),
        (", secret_token: '" + TOKEN + " x'", "A-Z a-z 0-9 _ -"),
        (", secret_token: '" + TOKEN * 9 + "'", "1–256 ký tự"),
    ],
)
def test_webhook_mode_needs_a_random_secret_token(secret: str, expected: str) -> None:
    (message,) = problems(WEBHOOK % secret, {"TG_SECRET": ""})
    assert message.startswith(("telegram: ", "telegram.secret_token: ")), message
    assert expected in message
    assert TOKEN[:20] not in message  # the secret is never echoed


def test_a_secret_token_in_the_file_is_accepted_with_a_warning() -> None:
    loaded = parse_config(WEBHOOK % f", secret_token: '{TOKEN}'", "t.yaml", {})
    secret = loaded.config.telegram.secret_token
    assert secret is not None and secret.get_secret_value() == TOKEN
    (warning,) = loaded.warnings
    assert warning.startswith("telegram.secret_token: mã bí mật ghi thẳng trong tệp cấu hình")


def test_cli_refuses_webhook_mode_without_a_secret(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(WEBHOOK % "", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    done = run_cli("config", "check", env={**env, "DULUAN_CONFIG": str(path)})
    assert done.returncode == 2 and "chế độ webhook cần secret_token" in done.stderr


def test_missing_env_variable_is_named() -> None:
    text = MINIMAL + "review: {chat: 'env:REVIEW_CHAT'}\n"
    (message,) = problems(text, {"TELEGRAM_BOT_TOKEN": "1:x"})
    assert message.startswith("review.chat: biến môi trường REVIEW_CHAT chưa được đặt")


def test_missing_chat_without_telegram_is_a_warning() -> None:
    text = MINIMAL + "review: {chat: 'env:REVIEW_CHAT'}\n"
    loaded = parse_config(text, "t.yaml", {})
    assert loaded.config.review.chat is None
    assert any("REVIEW_CHAT" in w for w in loaded.warnings)


def test_missing_file_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml", {})
    assert "không tìm thấy tệp cấu hình" in str(caught.value)


def test_shipped_config_is_valid() -> None:
    loaded = load_config(ROOT / "config.yaml", {})
    names = {s.name for s in loaded.config.sources}
    assert {"baokontum", "baoquangngai", "kontumtv", "googlenews"} <= names
    national = {
        "vnexpress", "tuoitre", "thanhnien", "dantri", "vietnamnet", "laodong", "nld",
        "tienphong", "nhandan", "vov", "vietnamplus", "baotintuc", "baodantoc", "cand", "plo",
    }  # fmt: skip
    assert national <= names
    assert loaded.config.locality.district == "Huyện Đăk Hà"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "duluan", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_config_check_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL + "    interval: 5 phút\n", encoding="utf-8")
    base = {"PATH": "/usr/bin:/bin", "DULUAN_DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    ok = run_cli("config", "check", env={**base, "DULUAN_CONFIG": str(good)})
    assert ok.returncode == 0, ok.stderr
    assert "name: vnexpress" in ok.stdout and "Cấu hình hợp lệ" in ok.stdout
    wrong = run_cli("config", "check", env={**base, "DULUAN_CONFIG": str(bad)})
    assert wrong.returncode == 2
    assert "sources[0].interval: '5 phút'" in wrong.stderr
    unknown_place = tmp_path / "place.yaml"
    unknown_place.write_text(MINIMAL.replace("Huyện Đăk Hà", "Huyện Không Có"), encoding="utf-8")
    nowhere = run_cli("config", "check", env={**base, "DULUAN_CONFIG": str(unknown_place)})
    assert nowhere.returncode == 2
    assert "Huyện Không Có" in nowhere.stderr
    usage = run_cli("crawl", "--bogus", env={**base, "DULUAN_CONFIG": str(good)})
    assert usage.returncode == 2
    assert "duluan: lỗi: không hiểu tham số: --bogus" in usage.stderr
    helped = run_cli("--help", env=base)
    assert helped.returncode == 0 and helped.stdout.startswith("cách dùng: duluan")


def test_source_domains_and_offsite() -> None:
    text = MINIMAL + (
        "    domains: [Cdn.VnExpress.net., i-vnexpress.vnecdn.net]\n    offsite: true\n"
    )
    source = parse_config(text, "test.yaml", {}).config.source("vnexpress")
    assert source.domains == ["cdn.vnexpress.net", "i-vnexpress.vnecdn.net"] and source.offsite
    assert parse_config(MINIMAL, "test.yaml", {}).config.source("vnexpress").offsite is False
    for bad in ("https://cdn.vnexpress.net", "cdn.vnexpress.net/anh", "localhost", "a b.vn"):
        (message,) = problems(MINIMAL + f"    domains: ['{bad}']\n")
        assert message.startswith("sources[0].domains[0]") and "không phải tên miền" in message


def test_unquoted_times_of_day_are_read_as_written() -> None:
    """YAML 1.1 reads `14:00` unquoted as 840 (base 60); officials write times unquoted."""
    text = MINIMAL + "review: {reminder_at: 14:00}\nbackup: {at: 23:45}\n"
    config = parse_config(text, "test.yaml", {}).config
    assert config.review.reminder_at == "14:00" and config.backup.at == "23:45"
    assert parse_config(MINIMAL + "backup: {at: 02:30}\n", "t.yaml", {}).config.backup.at == "02:30"
    (message,) = problems(MINIMAL + "review: {reminder_at: 25:00}\n")
    assert "không phải giờ" in message


def test_tone_words_per_deployment_reach_the_tagger() -> None:
    from duluan.pipeline import locator_for

    text = MINIMAL + "tone:\n  negative: [nước đục]\n  verify: {nước đục: 3.5}\n"
    config = parse_config(text, "test.yaml", {}).config
    assert config.tone.negative == ["nước đục"]
    article = "Nước đục ở xã Đăk Pxi\nNước đục kéo dài ở xã Đăk Pxi, huyện Đăk Hà."
    result = locator_for(config).locate(article)
    assert result["tone"] == "negative" and result["needs_verification"] is True
    plain = locator_for(parse_config(MINIMAL, "test.yaml", {}).config).locate(article)
    assert plain["tone"] == "neutral" and plain["needs_verification"] is False


@pytest.mark.parametrize(
    ("tone", "expected"),
    [
        ("{negative: ['  ']}", "tone.negative: có một từ rỗng"),
        ("{verify: {tố cáo: 9}}", "trọng số của 'tố cáo' là 9.0, phải lớn hơn 0 và không quá 5"),
        ("{negatve: [x]}", "tone.negatve"),
    ],
)
def test_tone_words_are_checked(tone: str, expected: str) -> None:
    found = problems(MINIMAL + f"tone: {tone}\n")
    assert any(expected in p for p in found), found


def test_extra_topics_add_to_the_topics_in_use() -> None:
    from duluan.pipeline import locator_for

    text = MINIMAL + "extra_topics:\n  rừng: [cà phê lấn rừng]\n  du lịch: [homestay]\n"
    config = parse_config(text, "test.yaml", {}).config
    topics = config.topic_keywords()
    assert "phá rừng" in topics["rừng"] and "cà phê lấn rừng" in topics["rừng"]
    assert topics["du lịch"] == ["homestay"] and "giáo dục" in topics
    article = "Homestay mới ở xã Đăk Pxi\nKhách đến homestay ở xã Đăk Pxi, huyện Đăk Hà."
    assert "du lịch" in locator_for(config).locate(article)["topics"]
    plain = parse_config(MINIMAL, "test.yaml", {}).config
    assert "du lịch" not in locator_for(plain).locate(article)["topics"]
    replaced = parse_config(
        MINIMAL + "topics: {rừng: [phá rừng]}\nextra_topics: {rừng: [đốt rừng]}\n", "t.yaml", {}
    ).config
    assert replaced.topic_keywords() == {"rừng": ["phá rừng", "đốt rừng"]}


def test_a_unit_names_only_topics_in_use() -> None:
    unit = "units:\n  - {name: Phòng Văn hóa, topics: [du lịch]}\n"
    (message,) = problems(MINIMAL + unit)
    assert "nhận lĩnh vực chưa khai báo: du lịch" in message and "extra_topics" in message
    fixed = parse_config(MINIMAL + unit + "extra_topics: {du lịch: [homestay]}\n", "t.yaml", {})
    assert fixed.config.units[0].topics == ["du lịch"]
    spelled = parse_config(MINIMAL + "units:\n  - {name: P, topics: ['đất  đai']}\n", "t.yaml", {})
    assert spelled.config.units[0].topics == ["đất đai"]


def test_the_user_agent_is_ascii_whatever_the_contact() -> None:
    """A header must be ASCII: the default contact once was Vietnamese and every guarded fetch
    (evidence, reported links, Zalo photos) failed with UnicodeEncodeError."""
    import httpx

    default = parse_config(MINIMAL, "t.yaml", {}).config.crawl.agent
    typed = parse_config(
        MINIMAL + "crawl: {contact: 'Trung tâm Văn hóa Đăk Hà, vanhoa@dakha.gov.vn'}\n",
        "t.yaml",
        {},
    ).config.crawl.agent
    assert default.isascii() and typed.isascii()
    assert typed.endswith("(+Trung tam Van hoa Dak Ha, vanhoa@dakha.gov.vn)")
    assert httpx.Headers({"User-Agent": typed}).raw  # encodable
