from budget_gate.cli import main

raise SystemExit(main())
