from avatar.eval.cli import main

raise SystemExit(main())
