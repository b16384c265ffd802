from hatls.launch import main

main()
