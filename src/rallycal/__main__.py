import sys

try:
    from rallycal.cli.main import main
except KeyboardInterrupt:  # pressed while Python was still loading rallycal
    print("\nInterrupted: nothing was written.", file=sys.stderr)
    raise SystemExit(130) from None

main()
