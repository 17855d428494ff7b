;;; An example channel for guixml: board games.

(define-module (example packages games)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:)
  #:use-module (gnu packages compression))

;; Weights inside the package's own tarball (the gnubg shape), with the
;; project's own trainer: tangled and training software.
(define-public backgammon-sage
  (package
    (name "backgammon-sage")
    (version "2.1")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/sage/sage-"
                           version "-sources.tar.gz"))
       (sha256
        (base32 "0yr5xk6rlqzhdp0xrf9q4dsx7m7q8kyczq6ck5bbfm97r8dnxjwj"))))
    (build-system gnu-build-system)
    (inputs (list zlib))
    (synopsis "Backgammon program with a trained neural network")
    (description "Sage plays backgammon with network weights that ship
inside its source archive, and comes with the trainer that produced them:
it can train a neural network by temporal-difference learning.")
    (home-page "https://sage.example.org")
    (license license:gpl3+)))

;; A Go engine that needs a network the user downloads: external.
(define-public go-zen
  (package
    (name "go-zen")
    (version "0.9")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/go-zen/go-zen-"
                           version ".tar.gz"))
       (sha256
        (base32 "1k3v9f6a7mr0a6h0xkhb8z7bc6sq3b6q1kx8dk9mq8z8q0wldm6f"))))
    (build-system gnu-build-system)
    (synopsis "Go engine using a neural network")
    (description "Go-zen is a Go engine in the AlphaGo Zero style.  This
package does not provide a neural network: users download a network file
from the project's server.")
    (home-page "https://go-zen.example.org")
    (license license:gpl3+)))

;; A weights package whose maintainer already annotated it: the annotation
;; wins over every heuristic, and its facts feed the policy verdicts.
(define-public go-zen-network
  (package
    (name "go-zen-network")
    (version "157")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/go-zen/networks/"
                           version ".gz"))
       (sha256
        (base32 "0vs1h3a7c8m9l2x6jv6q4d9hjz3k6v3nrh9bqb8mf7w1xwqg4h9l"))))
    (build-system gnu-build-system)
    (arguments (list #:tests? #f))
    (properties
     '((ml-weights . model)
       (ml-weights-license . "CC0-1.0")
       (ml-training-software . packaged)
       (ml-training-software-package . "go-zen")
       (ml-training-data . free)
       (ml-training-data-url . "https://files.example.org/go-zen/games/")
       (ml-reproducibility . infeasible)))
    (synopsis "Network for Go-zen")
    (description "One network of the Go-zen project, trained from
self-play games that are published with it.")
    (home-page "https://go-zen.example.org")
    (license license:cc0)))
