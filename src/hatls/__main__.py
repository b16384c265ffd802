from hatls.launch import main

# Guarded: `--workers` starts its processes with "spawn", which imports this module again in each
# worker (as __mp_main__); the command line must run only in the parent.
if __name__ == "__main__":
    main()
