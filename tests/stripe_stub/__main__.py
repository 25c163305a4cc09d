"""Run the test Stripe stand-in by hand: python -m tests.stripe_stub [port] (loopback only)."""

import sys
import time

from tests.stripe_stub.localstripe_ext import LocalStripe

if __name__ == "__main__":
    stub = LocalStripe(int(sys.argv[1]) if len(sys.argv) > 1 else 8420).start()
    print(f"localstripe + Checkout on {stub.url}", flush=True)
    while True:
        time.sleep(3600)
