from oasys_diversity.cli import main

raise SystemExit(main())
