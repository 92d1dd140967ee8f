from easeback.cli import main

main()
