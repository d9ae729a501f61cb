from rallycal.cli import main

main(prog_name="rallycal")
