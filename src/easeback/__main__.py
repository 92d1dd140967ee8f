from easeback.entry import main

main()
