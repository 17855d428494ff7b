;;; An example channel for guixml: a chess engine and its networks.
;;; Written for guixml's documentation and tests; not real packages.

(define-module (example packages chess)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix git-download)
  #:use-module (guix build-system copy)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:)
  #:use-module (gnu packages compression))

;; Networks are made by a procedure: each call is one package whose
;; payload is a single trained network file.
(define (make-knightly-net name version hash)
  (package
    (name (string-append "knightly-net-" name))
    (version version)
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://nets.example.org/knightly/" name
                           "-" version ".pb.gz"))
       (sha256 (base32 hash))))
    (build-system copy-build-system)
    (arguments
     (list #:install-plan
           #~'(("." "share/knightly/networks/"))))
    (synopsis "Trained network for the Knightly chess engine")
    (description
     "This package provides a network for Knightly.  Its weights were
produced by self-play reinforcement learning on a volunteer cluster.")
    (home-page "https://nets.example.org/knightly")
    (license license:gpl3+)))

(define-public knightly-net-small
  (make-knightly-net "small" "1.2"
                     "0m8ys3q5ah7yj9vn8kmx1a0d2h7qqpmc1g5x0rmx7b8h7vd9ydc2"))

(define-public knightly-net-large
  (make-knightly-net "large" "1.2"
                     "1hf7h7pgi0w8dpwzzfj0ix07x0ag8ragl00nkgad5n5fzkpd9mf2"))

;; The engine takes the small network as an ordinary package input.
(define-public knightly
  (package
    (name "knightly")
    (version "1.2")
    (source
     (origin
       (method git-fetch)
       (uri (git-reference
             (url "https://git.example.org/knightly")
             (commit (string-append "v" version))))
       (file-name (git-file-name name version))
       (sha256
        (base32 "0k7wnzhn3fnrw1z4fjzd5ws2qhv5dvpy1wzwwb8pw7zq7cz7c5m4"))))
    (build-system gnu-build-system)
    (inputs (list zlib knightly-net-small))
    (synopsis "Chess engine driven by a neural network")
    (description "Knightly is a UCI chess engine.  It evaluates positions
with a network it loads at start-up.")
    (home-page "https://knightly.example.org")
    (license license:gpl3+)))

;; The stockfish shape: weights fetched as inline origins among the inputs.
(define-public pawnstorm
  (package
    (name "pawnstorm")
    (version "5.0")
    (source
     (origin
       (method git-fetch)
       (uri (git-reference
             (url "https://git.example.org/pawnstorm")
             (commit (string-append "ps_" version))))
       (file-name (git-file-name name version))
       (sha256
        (base32 "1f0i0wddh3p3bq2pdqnmsxgxn8n6mi1wdc4zzvx3l4lv5r7csvhb"))))
    (build-system gnu-build-system)
    (arguments
     (list #:phases
           #~(modify-phases %standard-phases
               (add-after 'unpack 'copy-net
                 (lambda _
                   (copy-file #$(this-package-input "nn-3d1a2c4b5e6f.nnue")
                              "src/nn-3d1a2c4b5e6f.nnue"))))))
    (inputs
     `(("nn-3d1a2c4b5e6f.nnue"
        ,(origin
           (method url-fetch)
           (uri "https://nets.example.org/pawnstorm/nn-3d1a2c4b5e6f.nnue")
           (sha256
            (base32 "0gg8ps7h1ryd3wwl4jlcq3di0b6sgdsgry2zq3xkzmqgiwbr5a4n"))))))
    (synopsis "Strong chess engine")
    (description "Pawnstorm is a UCI chess engine with an efficiently
updatable evaluation function.")
    (home-page "https://pawnstorm.example.org")
    (license license:gpl3+)))

;; A variant that only changes its inputs: inherit + modify-inputs.
(define-public pawnstorm-static
  (package
    (inherit pawnstorm)
    (name "pawnstorm-static")
    (inputs (modify-inputs (package-inputs pawnstorm)
              (prepend zlib)))))
