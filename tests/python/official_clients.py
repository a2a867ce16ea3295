"""The venues' official Python clients against `arb sim` on loopback.

Run by tests/official_clients.rs (which prepares a venv with the pinned clients):
    python official_clients.py ARB_BINARY REPO_ROOT
Each check prints a line; the run ends with "N passed, M failed" and exits non-zero
on any failure.
"""

import subprocess
import sys
import time
import traceback

ARB, ROOT = sys.argv[1], sys.argv[2]
KALSHI_KEY_ID = "arb-sim-key"
KALSHI_KEY_PEM = open(f"{ROOT}/src/sim/keys/kalshi_sim_only_rsa2048.pem").read()

results = []


def check(name, fn):
    try:
        fn()
        results.append((name, None))
        print(f"ok   {name}", flush=True)
    except Exception as e:  # report every failure, keep going
        results.append((name, e))
        print(f"FAIL {name}: {e!r}", flush=True)
        traceback.print_exc()


def start_sim():
    proc = subprocess.Popen(
        [ARB, "sim", "--listen", "127.0.0.1:0", "--duration", "120", "--speed", "5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    urls = {}
    deadline = time.time() + 30
    while time.time() < deadline and "polymarket ws" not in urls:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("arb sim exited: " + proc.stderr.read())
        if ":" in line:
            key, value = line.split(":", 1)
            urls[key.strip()] = value.strip()
    return proc, urls


def kalshi_checks(urls):
    from kalshi_python_sync import Configuration, KalshiClient

    cfg = Configuration(host=urls["kalshi rest"])
    cfg.api_key_id = KALSHI_KEY_ID
    cfg.private_key_pem = KALSHI_KEY_PEM
    client = KalshiClient(cfg)
    state = {}

    def list_markets():
        markets = client.get_markets(limit=100).markets
        assert len(markets) >= 1, markets
        state["ticker"] = markets[0].ticker
        assert markets[0].status is not None

    def read_book():
        book = client.get_market_orderbook(ticker=state["ticker"]).orderbook
        # Levels appear once the scenario's book process has quoted the market.
        for _ in range(50):
            if book.yes_dollars and book.no_dollars:
                break
            time.sleep(0.1)
            book = client.get_market_orderbook(ticker=state["ticker"]).orderbook
        assert book.yes_dollars and book.no_dollars, book
        best_bid = max(float(p) for p, _ in book.yes_dollars)
        state["resting_price"] = max(1, int(round(best_bid * 100)) - 5)

    def place_and_cancel():
        order = client.create_order(
            ticker=state["ticker"], side="yes", action="buy", count=2, type="limit",
            yes_price=state["resting_price"], client_order_id="official-kalshi-1",
        ).order
        assert order.status.value == "resting", order.status
        canceled = client.cancel_order(order_id=order.order_id)
        assert canceled.order.status.value == "canceled", canceled.order.status
        assert canceled.reduced_by == 2, canceled.reduced_by

    def bad_key_refused():
        from kalshi_python_sync.exceptions import ApiException
        bad = Configuration(host=urls["kalshi rest"])
        bad.api_key_id = "not-a-key"
        bad.private_key_pem = KALSHI_KEY_PEM
        try:
            KalshiClient(bad).create_order(ticker=state["ticker"], side="yes", action="buy", count=1, type="limit", yes_price=1)
        except ApiException as e:
            assert e.status == 401, e.status
        else:
            raise AssertionError("an unknown key placed an order")

    check("kalshi: list markets", list_markets)
    check("kalshi: read a book", read_book)
    check("kalshi: place and cancel a resting order", place_and_cancel)
    check("kalshi: an unknown API key is refused with 401", bad_key_refused)


POLY_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # Hardhat account 0 (public)


def polymarket_checks(urls):
    from py_clob_client_v2 import ApiCreds, ClobClient, OrderArgs, OrderPayload, OrderType

    host = urls["polymarket rest"]
    state = {}

    def derive_api_key():
        l1 = ClobClient(host, chain_id=137, key=POLY_KEY)
        creds = l1.create_or_derive_api_key()
        assert creds.api_key, creds
        state["creds"] = creds

    def list_markets():
        c = ClobClient(host, chain_id=137, key=POLY_KEY, creds=state["creds"])
        markets = c.get_markets()["data"]
        assert markets and markets[0]["tokens"], markets
        state["token"] = markets[0]["tokens"][0]["token_id"]
        state["client"] = c

    def read_book():
        book = state["client"].get_order_book(state["token"])
        asset = book["asset_id"] if isinstance(book, dict) else book.asset_id
        assert asset == state["token"], book

    def place_and_cancel():
        c = state["client"]
        r = c.create_and_post_order(OrderArgs(token_id=state["token"], price=0.02, size=10, side="BUY"), order_type=OrderType.GTC)
        assert r["success"], r
        assert r["orderID"].startswith("0x"), r
        canceled = c.cancel_order(OrderPayload(orderID=r["orderID"]))
        assert r["orderID"] in canceled["canceled"], canceled

    def bad_creds_refused():
        from py_clob_client_v2.exceptions import PolyApiException
        wrong = ApiCreds(api_key=state["creds"].api_key, api_secret="QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", api_passphrase=state["creds"].api_passphrase)
        c = ClobClient(host, chain_id=137, key=POLY_KEY, creds=wrong)
        try:
            c.create_and_post_order(OrderArgs(token_id=state["token"], price=0.02, size=10, side="BUY"), order_type=OrderType.GTC)
        except PolyApiException as e:
            assert e.status_code == 401, e.status_code
        else:
            raise AssertionError("a wrong HMAC secret placed an order")

    check("polymarket: derive API key (L1, EIP-712 ClobAuth)", derive_api_key)
    check("polymarket: list markets", list_markets)
    check("polymarket: read a book", read_book)
    check("polymarket: place (signed V2 order) and cancel", place_and_cancel)
    check("polymarket: a wrong HMAC secret is refused with 401", bad_creds_refused)


def main():
    proc, urls = start_sim()
    try:
        check("arb sim prints its Kalshi URL", lambda: urls["kalshi rest"].startswith("http://127.0.0.1:"))
        if "kalshi rest" in urls:
            kalshi_checks(urls)
        check("arb sim prints its Polymarket URL", lambda: urls["polymarket rest"].startswith("http://127.0.0.1:"))
        if "polymarket rest" in urls:
            polymarket_checks(urls)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    failed = sum(1 for _, e in results if e is not None)
    print(f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


main()
