from lycee_ia.cli import main

main()
