from hatls.cli import main

main()
